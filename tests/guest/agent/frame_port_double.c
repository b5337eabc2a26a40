/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * frame_port on the netmap TEST DOUBLE (tests/netmap_double, never shipped): the guest
 * tests' build of tools/examples/http_lwip.  A port fd attached as NMD_KIND_VP with
 * NR_EXCLUSIVE moves one frame per read() and write() (the double's data path, described
 * in netmap_double_uapi.h); the fd is non-blocking, so an empty queue reads as EAGAIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "frame_port.h"
#include "net/netmap.h" /* the double's: NR_EXCLUSIVE, NR_REG_ALL_NIC */
#include "netmap_double_uapi.h"

const char frame_port_backend[] = "double";

struct frame_port {
	int fd;
};

struct frame_port *frame_port_open(const char *name)
{
	struct frame_port *port = calloc(1, sizeof(*port));
	struct nmd_attach req;
	int err;

	if (port == NULL)
		return NULL;
	memset(&req, 0, sizeof(req));
	if (snprintf(req.name, sizeof(req.name), "%s", name) >= (int) sizeof(req.name)) {
		free(port);
		errno = ENAMETOOLONG;
		return NULL;
	}
	req.kind = NMD_KIND_VP;
	req.nr_mode = NR_REG_ALL_NIC;
	req.nr_flags = NR_EXCLUSIVE;
	port->fd = open("/dev/netmap", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (port->fd >= 0 && ioctl(port->fd, NMD_IOC_ATTACH, &req) == 0)
		return port;
	err = errno;
	if (port->fd >= 0)
		close(port->fd);
	free(port);
	errno = err;
	return NULL;
}

int frame_port_fd(const struct frame_port *port)
{
	return port->fd;
}

int frame_port_recv(struct frame_port *port, void *buf, size_t size)
{
	for (;;) {
		ssize_t n = read(port->fd, buf, size);

		if (n >= 0)
			return (int) n;
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int frame_port_send(struct frame_port *port, const void *frame, size_t len)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct pollfd pfd = { .fd = port->fd, .events = POLLOUT };

		if (write(port->fd, frame, len) == (ssize_t) len)
			return 0;
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		poll(&pfd, 1, 100);
	}
	errno = EAGAIN;
	return -1;
}

void frame_port_flush(struct frame_port *port)
{
	(void) port; /* every write() has gone into the switch already */
}

void frame_port_close(struct frame_port *port)
{
	if (port == NULL)
		return;
	close(port->fd);
	free(port);
}
