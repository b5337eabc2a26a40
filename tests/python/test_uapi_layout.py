"""struct ms_req in Python has the size and offsets the C compiler gives the header."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest

from multistack import uapi

REPO = Path(__file__).resolve().parents[2]
INCLUDE = REPO / "common" / "include" / "multistack"


def _c_layout(tmp_path: Path) -> dict[str, int]:
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.skip("no C compiler (cc, gcc or clang) to check the header against")
    fields = [name for name, *_ in uapi.MsReq._fields_]
    lines = [f'printf("{name} %zu\\n", offsetof(struct ms_req, {name}));' for name in fields]
    source = tmp_path / "layout.c"
    source.write_text(
        '#include <stddef.h>\n#include <stdio.h>\n#include "ms_uapi.h"\n'
        "int main(void) {\n"
        '  printf("sizeof %zu\\n", sizeof(struct ms_req));\n'
        '  printf("magic_value %u\\n", MS_REQ_MAGIC);\n'
        '  printf("version_value %u\\n", MS_REQ_VERSION);\n'
        '  printf("size_value %u\\n", MS_REQ_SIZE);\n'
        '  printf("fd_search %d\\n", MS_REQ_FD_SEARCH);\n'
        '  printf("cmd_bind %d\\ncmd_unbind %d\\ncmd_query %d\\n", MS_CMD_BIND, MS_CMD_UNBIND,'
        " MS_CMD_QUERY);\n"
        '  printf("found %u\\nmine %u\\nwildcard %u\\n", MS_QUERY_FOUND, MS_QUERY_MINE,'
        " MS_QUERY_WILDCARD);\n" + "\n".join("  " + line for line in lines) + "\n  return 0;\n}\n"
    )
    binary = tmp_path / "layout"
    subprocess.run(
        [cc, "-Wall", "-Wextra", "-Werror", "-I", str(INCLUDE), "-o", str(binary), str(source)],
        check=True,
    )
    out = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout
    return {name: int(value) for name, value in (line.split() for line in out.splitlines())}


def test_request_layout_matches_the_header(tmp_path: Path) -> None:
    c = _c_layout(tmp_path)
    assert ctypes.sizeof(uapi.MsReq) == c["sizeof"] == 256 == uapi.MS_REQ_SIZE
    for name, *_ in uapi.MsReq._fields_:
        assert getattr(uapi.MsReq, name).offset == c[name], name
    assert c["magic_value"] == uapi.MS_REQ_MAGIC
    assert c["version_value"] == uapi.MS_REQ_VERSION
    assert c["size_value"] == uapi.MS_REQ_SIZE
    assert c["fd_search"] == uapi.MS_REQ_FD_SEARCH
    assert (c["cmd_bind"], c["cmd_unbind"], c["cmd_query"]) == tuple(uapi.Cmd)
    assert (c["found"], c["mine"], c["wildcard"]) == (
        uapi.MS_QUERY_FOUND,
        uapi.MS_QUERY_MINE,
        uapi.MS_QUERY_WILDCARD,
    )


def test_new_request_fills_the_header_and_zeroes_the_rest() -> None:
    req = uapi.new_request(uapi.Cmd.BIND, 4, 17, 53, bytes([10, 0, 0, 2]), 7)
    raw = bytes(req)
    assert len(raw) == 256
    assert (req.magic, req.version, req.cmd) == (0x4D53, 1, 1)
    assert (req.family, req.proto, req.port, req.fd, req.flags) == (4, 17, 53, 7, 0)
    assert bytes(req.addr) == bytes([10, 0, 0, 2]) + bytes(12)
    assert raw[32:] == bytes(224)
