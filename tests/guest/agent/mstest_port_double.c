/* SPDX-License-Identifier: BSD-2-Clause */
/* mstest's ports on the netmap test double: its own ioctls (tests/netmap_double/README.md). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mstest.h"
#include "multistack/ms_uapi.h"
#include "net/netmap.h" /* the double's: NR_EXCLUSIVE, NR_REG_* */
#include "netmap_double_uapi.h"

const char mst_backend[] = "double";

struct mst_port {
	int fd;
	char name[NMD_NAME_LEN];
};

static struct mst_port *attach(const char *name, uint32_t kind, const struct mst_open *how)
{
	struct nmd_attach req;
	struct mst_port *port = calloc(1, sizeof(*port));
	int err;

	if (port == NULL)
		return NULL;
	memset(&req, 0, sizeof(req));
	snprintf(req.name, sizeof(req.name), "%s", name);
	snprintf(port->name, sizeof(port->name), "%s", name);
	req.kind = kind;
	if (how != NULL) {
		uint64_t flags;

		mst_open_request(how, &req.nr_mode, &flags);
		req.nr_flags = (uint32_t) flags;
	}
	port->fd = open("/dev/netmap", O_RDWR);
	if (port->fd >= 0 && ioctl(port->fd, NMD_IOC_ATTACH, &req) == 0)
		return port;
	err = errno;
	if (port->fd >= 0)
		close(port->fd);
	free(port);
	errno = err;
	return NULL;
}

struct mst_port *mst_port_open(const char *name, const struct mst_open *how)
{
	return attach(name, NMD_KIND_VP, how);
}

struct mst_port *mst_port_adopt(int fd, const char *name)
{
	struct mst_port *port = calloc(1, sizeof(*port));

	if (port == NULL)
		return NULL;
	port->fd = fd;
	snprintf(port->name, sizeof(port->name), "%s", name);
	return port;
}

struct mst_port *mst_nic_open(const char *name, int with_host)
{
	return attach(name, with_host ? NMD_KIND_NIC : NMD_KIND_NIC_NO_HOST, NULL);
}

void mst_port_close(struct mst_port *port)
{
	if (port == NULL)
		return;
	close(port->fd);
	free(port);
}

int mst_port_fd(const struct mst_port *port)
{
	return port->fd;
}

const char *mst_port_name(const struct mst_port *port)
{
	return port->name;
}

int mst_port_send(struct mst_port *port, const void *frame, size_t len, int from_host,
		  char dst[MST_NAME_LEN])
{
	static struct nmd_inject req; /* 2 KB: not on the stack */

	snprintf(dst, MST_NAME_LEN, "?");
	if (len > sizeof(req.frame))
		return EMSGSIZE;
	memset(&req, 0, sizeof(req));
	req.len = (uint32_t) len;
	req.from_host = from_host ? 1 : 0;
	memcpy(req.frame, frame, len);
	if (ioctl(port->fd, NMD_IOC_INJECT, &req) < 0)
		return errno;
	snprintf(dst, MST_NAME_LEN, "%.*s", (int) sizeof(req.dst_name), req.dst_name);
	return 0;
}

int mst_port_recv(struct mst_port *port, int timeout_ms,
		  void (*fn)(const uint8_t *frame, size_t len, void *arg), void *arg)
{
	(void) port, (void) timeout_ms, (void) fn, (void) arg;
	return -1; /* INJECT reports a frame's destination instead of delivering it */
}

int mst_port_write(struct mst_port *port, const void *frame, size_t len)
{
	ssize_t n = write(port->fd, frame, len);

	if (n < 0)
		return errno;
	return (size_t) n == len ? 0 : EIO;
}

int mst_port_read(struct mst_port *port, uint8_t *buf, size_t size, int timeout_ms, size_t *len)
{
	struct pollfd pfd = { .fd = port->fd, .events = POLLIN };
	int flags = fcntl(port->fd, F_GETFL);
	ssize_t n;

	/* read() first, without blocking, so that its own errors (EPERM, ENXIO) show */
	if (flags < 0 || fcntl(port->fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return errno;
	n = read(port->fd, buf, size);
	if (n < 0 && errno == EAGAIN && poll(&pfd, 1, timeout_ms) > 0)
		n = read(port->fd, buf, size);
	if (n < 0)
		return errno;
	*len = (size_t) n;
	return 0;
}

int mst_port_burst(struct mst_port *port, const uint8_t *const *frames, const size_t *lens,
		   const enum mst_slot_kind *kinds, unsigned n, char (*dst)[MST_NAME_LEN])
{
	static struct nmd_inject_batch req;		   /* not on the stack */
	static uint8_t data[NMD_BATCH_MAX][NMD_FRAME_MAX]; /* the slots' buffers, as filled */

	if (n == 0 || n > NMD_BATCH_MAX || n > MST_BURST_MAX)
		return EINVAL;
	memset(&req, 0, sizeof(req));
	req.count = n;
	req.data = (uintptr_t) data;
	for (unsigned i = 0; i < n; i++) {
		struct nmd_batch_slot *slot = &req.slot[i];

		if (lens[i] > NMD_FRAME_MAX)
			return EMSGSIZE;
		memcpy(data[i], frames[i], lens[i]);
		slot->len = (uint32_t) lens[i];
		if (kinds[i] == MST_SLOT_BAD_INDEX)
			slot->buf_idx = MST_SPOILED_INDEX;
		else if (kinds[i] == MST_SLOT_BAD_LENGTH)
			slot->len = MST_SPOILED_LENGTH;
		else if (kinds[i] == MST_SLOT_INDIRECT) {
			slot->flags = NS_INDIRECT;
			slot->ptr = MST_SPOILED_ADDRESS;
		}
	}
	if (ioctl(port->fd, NMD_IOC_INJECT_BATCH, &req) < 0)
		return errno;
	for (unsigned i = 0; i < n; i++)
		snprintf(dst[i], MST_NAME_LEN, "%.*s", MST_NAME_LEN - 1, req.slot[i].dst_name);
	return 0;
}
