"""The application helpers: ms_app.h (C) and multistack.request (Python) send the same bytes.

A small C program includes ms_app.h and replaces ioctl() with its own, which prints the
nm_ifreq it was handed, so each request is checked byte for byte without a kernel.
"""

from __future__ import annotations

import errno
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from multistack import request
from multistack.uapi import MS_REQ_FD_SEARCH, MS_REQ_MAGIC, MS_REQ_VERSION, Cmd, MsReq

REPO = Path(__file__).resolve().parents[2]

INCLUDES = [f"-I{REPO / 'lib/include'}", f"-I{REPO / 'common/include'}"]

# ioctl() is taken over by the program: it prints the request and answers like the module.
PROGRAM = r"""
#include <multistack/ms_app.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int refuse; /* answer like a module that refuses (EADDRINUSE) */

int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	const unsigned char *p;
	size_t i;

	va_start(ap, cmd);
	p = va_arg(ap, const unsigned char *);
	va_end(ap);
	printf("fd=%d cmd=%lx ", fd, cmd);
	for (i = 0; i < sizeof(struct ms_app_ifreq); i++)
		printf("%02x", p[i]);
	printf("\n");
	if (refuse) {
		errno = EADDRINUSE;
		return -1;
	}
	return 0;
}

/* What the application's own descriptor is now: its socket, or a stand-in. */
static const char *kind_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct stat st;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		return "socket";
	return fstat(fd, &st) == 0 ? "file" : "closed";
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == 'o') { /* a 2015 application's request */
		struct msreq msr;
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		int s = socket(AF_INET, SOCK_DGRAM, 0), err;

		refuse = argc > 2;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
			return 2;
		if (getsockname(s, (struct sockaddr *)&sin, &len) != 0)
			return 2;
		memset(&msr, 0, sizeof(msr));
		strncpy(msr.mr_name, "valem:vp0", sizeof(msr.mr_name));
		msr.mr_cmd = MULTISTACK_BIND;
		msr.mr_sin = sin;
		msr.mr_proto = IPPROTO_UDP;
		printf("sock=%d port=%u\n", s, ntohs(sin.sin_port));
		err = ms_msreq_ioctl(7, &msr);
		printf("after=%s\n", kind_of(s));
		return err != 0;
	} else { /* ms_app_bind() on a bound socket */
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		int s = socket(AF_INET, SOCK_DGRAM, 0);

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) != 0)
			return 2;
		if (getsockname(s, (struct sockaddr *)&sin, &len) != 0)
			return 2;
		printf("sock=%d port=%u\n", s, ntohs(sin.sin_port));
		return ms_app_bind(7, "valem:vp1", s) != 0;
	}
}
"""


def _compile(tmp_path: Path, cc: str, std: str, header: str = "multistack/ms_app.h") -> Path:
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} is not installed")
    src = tmp_path / "app.c"
    src.write_text(PROGRAM.replace("<multistack/ms_app.h>", f"<{header}>"))
    exe = tmp_path / f"app-{cc}-{std}"
    subprocess.run(
        [cc, f"-std={std}", "-Wall", "-Wextra", "-Werror", *INCLUDES, str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
        text=True,
    )
    return exe


def _sent(line: str) -> tuple[int, int, str, MsReq]:
    fd_field, cmd_field, data = line.split()
    raw = bytes.fromhex(data)
    name = raw[: request.IFNAMSIZ].rstrip(b"\0").decode()
    fd, cmd = int(fd_field.split("=")[1]), int(cmd_field.split("=")[1], 16)
    return fd, cmd, name, MsReq.from_buffer_copy(raw[request.IFNAMSIZ :])


@pytest.mark.parametrize(("cc", "std"), [("cc", "c11"), ("cc", "gnu11"), ("clang-14", "c11")])
def test_header_compiles_without_warnings(tmp_path, cc, std):
    _compile(tmp_path, cc, std)


# A 2015 application keeps its include: the shim of that name brings ms_app.h.
@pytest.mark.parametrize("header", ["multistack/ms_app.h", "net/multistack.h"])
def test_a_2015_request_hands_over_a_moved_socket(tmp_path, header):
    exe = _compile(tmp_path, "cc", "gnu11", header)
    out = subprocess.run([str(exe), "old"], capture_output=True, text=True, check=True).stdout
    first, sent, after = out.strip().split("\n")
    sock_fd, port = (int(p.split("=")[1]) for p in first.split())
    fd, cmd, name, req = _sent(sent)
    assert (fd, cmd, name) == (7, request.NIOCCONFIG, "valem:vp0")
    assert (req.magic, req.version, req.cmd) == (MS_REQ_MAGIC, MS_REQ_VERSION, Cmd.BIND)
    assert (req.family, req.proto, req.port) == (4, 17, port)
    # The kernel takes a descriptor of its own; the application's now names /dev/null,
    # so its later close() cannot close a file it reopened under that number.
    assert req.fd not in (sock_fd, MS_REQ_FD_SEARCH) and req.fd >= 0
    assert after == "after=file"
    assert bytes(req.addr) == socket.inet_aton("127.0.0.1") + bytes(12)
    assert bytes(req.reserved) == bytes(len(req.reserved))


def test_a_refused_2015_request_gives_the_socket_back(tmp_path):
    exe = _compile(tmp_path, "cc", "gnu11")
    proc = subprocess.run([str(exe), "old", "refuse"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stdout.strip().split("\n")[-1] == "after=socket"


def test_c_and_python_send_the_same_bind(tmp_path):
    exe = _compile(tmp_path, "cc", "gnu11")
    lines = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split(
        "\n"
    )
    sock_fd, port = (int(p.split("=")[1]) for p in lines[0].split())
    fd, cmd, name, req = _sent(lines[1])
    assert (fd, cmd, name) == (7, request.NIOCCONFIG, "valem:vp1")
    assert (req.cmd, req.family, req.proto, req.port, req.fd) == (Cmd.BIND, 4, 17, port, sock_fd)
    assert bytes(req.addr)[:4] == socket.inet_aton("127.0.0.1")

    tup = request.Tuple(family=4, proto=17, port=port, addr=socket.inet_aton("127.0.0.1"))
    assert bytes(request.request_for(Cmd.BIND, tup, sock_fd)) == bytes(req)


def test_python_reads_the_tuple_of_a_bound_socket():
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.bind(("::1", 0))
        tup = request.tuple_of_socket(sock)
        assert (tup.family, tup.proto, tup.port) == (6, 6, sock.getsockname()[1])
        assert tup.addr == socket.inet_pton(socket.AF_INET6, "::1")


def test_python_refuses_an_unbound_socket():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(request.RequestError) as info:
            request.tuple_of_socket(sock)
        assert info.value.errno == errno.EINVAL


def test_python_explains_errors(tmp_path):
    tup = request.parse_tuple("udp", "*", 53)
    assert tup.addr == bytes(4) and tup.family == 4
    with open(tmp_path / "not-netmap", "wb+") as f:
        with pytest.raises(request.RequestError, match="the fd is not a netmap fd") as info:
            request.send(f.fileno(), "valem:vp0", request.request_for(Cmd.QUERY, tup))
    assert info.value.errno == errno.ENOTTY
    with pytest.raises(request.RequestError, match="longer than 15"):
        request.send(0, "valem:" + "x" * 10, request.request_for(Cmd.QUERY, tup))
    assert "another port" in request.strerror(errno.EADDRINUSE)
