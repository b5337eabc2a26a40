"""Builds the user-level TCP stack scenario's programs: tools/examples/http_lwip and httpbench.

http_lwip is the shipped example's server core and lwIP driver with the frame backend of
the netmap under test: real netmap's rings (the example's own frame_port_netmap.c and
libnetmap), or the test double's read()/write() data path (agent/frame_port_double.c,
which lives under tests/ because the double is never shipped).  httpbench, the kernel
server and the client, shares the example's HTTP code so both servers answer alike.
"""

from __future__ import annotations

from pathlib import Path

from .environment import BUILD_DIR, GUEST_DIR, REPO, GuestEnv
from .programs import UAPI_INCLUDES, compile_static, pkg_config

EXAMPLE = REPO / "tools" / "examples" / "http_lwip"
AGENT = GUEST_DIR / "agent"
DOUBLE = REPO / "tests" / "netmap_double"
# The double's data path (read/write on a port fd) announces itself with this constant.
DOUBLE_DATA_PATH_MARK = "NMD_RXQ_FRAMES"
SERVER_CORE = ["http_proto.c", "http_server.c", "lwip_netif.c", "tuple_claim.c", "host_mac.c"]


def skip_reason(env: GuestEnv) -> str | None:
    """Why the scenario cannot run here, or None."""
    if pkg_config("lwip", "--exists") is None:
        return "lwIP is not installed (Debian: liblwip-dev, and pkgconf for pkg-config)"
    if env.netmap is None:
        uapi = DOUBLE / "include" / "netmap_double_uapi.h"
        if DOUBLE_DATA_PATH_MARK not in uapi.read_text():
            return (
                "the netmap test double has no data path yet (read()/write() of frames on "
                "a port fd, NMD_RXQ_FRAMES in netmap_double_uapi.h); run against real "
                "netmap with NSRC/NBUILD"
            )
    return None


def programs(env: GuestEnv) -> dict[str, Path]:
    """http_lwip for env's netmap, and httpbench."""
    cflags = pkg_config("lwip", "--cflags-only-I") or []
    libs = pkg_config("lwip", "--libs") or ["-llwip"]
    includes = [*UAPI_INCLUDES, EXAMPLE, *(Path(f[2:]) for f in cflags)]
    sources = [EXAMPLE / name for name in [*SERVER_CORE, "main.c"]]
    headers = sorted(EXAMPLE.glob("*.h"))
    if env.netmap is not None:
        includes += env.netmap.includes
        sources.append(EXAMPLE / "frame_port_netmap.c")
        archives = [env.netmap.libnetmap]
    else:
        includes += [DOUBLE / "sys", DOUBLE / "include"]
        sources.append(AGENT / "frame_port_double.c")
        headers.append(DOUBLE / "include" / "netmap_double_uapi.h")
        archives = []
    server = compile_static(
        sources,
        BUILD_DIR / f"http_lwip-{env.backend}",
        includes,
        headers=[*headers, REPO / "lib" / "include" / "multistack" / "ms_app.h"],
        libs=archives,
        static=False,
        link_args=libs,
    )
    bench = compile_static(
        [AGENT / "httpbench.c", EXAMPLE / "http_proto.c"],
        BUILD_DIR / "httpbench",
        [EXAMPLE],
        headers=[EXAMPLE / "http_proto.h", EXAMPLE / "http_body.h"],
    )
    return {"http_lwip": server, "httpbench": bench}
