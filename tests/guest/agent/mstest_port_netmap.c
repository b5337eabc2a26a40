/* SPDX-License-Identifier: BSD-2-Clause */
/* mstest's ports on real netmap: plain NIOCCTRL, no libnetmap, so that it links statically. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* netmap's headers need the ones above */
#include <net/netmap.h>
#include <net/netmap_user.h>

#include "mstest.h"
#include "multistack/ms_uapi.h"

const char mst_backend[] = "netmap";

struct mst_port {
	int fd;
	char name[NETMAP_REQ_IFNAMSIZ];
	void *mem;
	size_t memsize;
	struct netmap_if *nifp;
};

struct mst_port *mst_port_open(const char *name, const struct mst_open *how)
{
	struct nmreq_header hdr;
	struct nmreq_register reg;
	struct mst_port *port = calloc(1, sizeof(*port));
	int err;

	if (port == NULL)
		return NULL;
	port->fd = open("/dev/netmap", O_RDWR);
	if (port->fd < 0)
		goto fail;
	memset(&hdr, 0, sizeof(hdr));
	memset(&reg, 0, sizeof(reg));
	hdr.nr_version = NETMAP_API;
	hdr.nr_reqtype = NETMAP_REQ_REGISTER;
	strncpy(hdr.nr_name, name, sizeof(hdr.nr_name) - 1);
	strncpy(port->name, name, sizeof(port->name) - 1);
	hdr.nr_body = (uintptr_t) &reg;
	mst_open_request(how, &reg.nr_mode, &reg.nr_flags);
	if (ioctl(port->fd, NIOCCTRL, &hdr) < 0)
		goto fail;
	port->memsize = reg.nr_memsize;
	port->mem = mmap(NULL, port->memsize, PROT_READ | PROT_WRITE, MAP_SHARED, port->fd, 0);
	if (port->mem == MAP_FAILED)
		goto fail;
	port->nifp = NETMAP_IF(port->mem, reg.nr_offset);
	return port;
fail:
	err = errno;
	if (port->fd >= 0)
		close(port->fd);
	free(port);
	errno = err;
	return NULL;
}

struct mst_port *mst_port_adopt(int fd, const char *name)
{
	struct mst_port *port = calloc(1, sizeof(*port));

	if (port == NULL)
		return NULL;
	port->fd = fd; /* not mapped: requests only */
	strncpy(port->name, name, sizeof(port->name) - 1);
	return port;
}

struct mst_port *mst_nic_open(const char *name, int with_host)
{
	(void) name, (void) with_host;
	errno = EOPNOTSUPP; /* attach a NIC with vale-ctl -h or -a */
	return NULL;
}

void mst_port_close(struct mst_port *port)
{
	if (port == NULL)
		return;
	if (port->mem != NULL)
		munmap(port->mem, port->memsize);
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
	snprintf(dst, MST_NAME_LEN, "?");
	if (from_host)
		return EOPNOTSUPP;
	return mst_port_write(port, frame, len);
}

int mst_port_write(struct mst_port *port, const void *frame, size_t len)
{
	struct pollfd pfd = { .fd = port->fd, .events = POLLOUT };
	struct netmap_ring *ring;
	struct netmap_slot *slot;

	if (port->nifp == NULL)
		return EOPNOTSUPP;
	if (port->nifp->ni_tx_rings == 0)
		return EPERM; /* NR_REG_NULL: no TX ring to send on (as the double says) */
	ring = NETMAP_TXRING(port->nifp, 0);
	if (nm_ring_space(ring) == 0 && poll(&pfd, 1, 1000) <= 0)
		return EAGAIN;
	if (nm_ring_space(ring) == 0 || len > ring->nr_buf_size)
		return ENOSPC;
	slot = &ring->slot[ring->head];
	memcpy(NETMAP_BUF(ring, slot->buf_idx), frame, len);
	slot->len = (uint16_t) len;
	ring->head = ring->cur = nm_ring_next(ring, ring->head);
	return ioctl(port->fd, NIOCTXSYNC, NULL) < 0 ? errno : 0;
}

int mst_port_recv(struct mst_port *port, int timeout_ms,
		  void (*fn)(const uint8_t *frame, size_t len, void *arg), void *arg)
{
	struct pollfd pfd = { .fd = port->fd, .events = POLLIN };
	int count = 0;

	if (port->nifp == NULL)
		return -1;
	while (poll(&pfd, 1, timeout_ms) > 0) {
		for (unsigned r = 0; r < port->nifp->ni_rx_rings; r++) {
			struct netmap_ring *ring = NETMAP_RXRING(port->nifp, r);

			while (!nm_ring_empty(ring)) {
				struct netmap_slot *slot = &ring->slot[ring->head];

				if (fn != NULL)
					fn((const uint8_t *) NETMAP_BUF(ring, slot->buf_idx),
					   slot->len, arg);
				count++;
				ring->head = ring->cur = nm_ring_next(ring, ring->head);
			}
		}
	}
	return count;
}

int mst_port_read(struct mst_port *port, uint8_t *buf, size_t size, int timeout_ms, size_t *len)
{
	struct pollfd pfd = { .fd = port->fd, .events = POLLIN };

	if (port->nifp == NULL)
		return EOPNOTSUPP;
	if (port->nifp->ni_rx_rings == 0)
		return EPERM;
	for (;;) {
		for (unsigned r = 0; r < port->nifp->ni_rx_rings; r++) {
			struct netmap_ring *ring = NETMAP_RXRING(port->nifp, r);
			struct netmap_slot *slot;

			if (nm_ring_empty(ring))
				continue;
			slot = &ring->slot[ring->head];
			if (slot->len > size)
				return EMSGSIZE;
			memcpy(buf, NETMAP_BUF(ring, slot->buf_idx), slot->len);
			*len = slot->len;
			ring->head = ring->cur = nm_ring_next(ring, ring->head);
			return 0;
		}
		if (poll(&pfd, 1, timeout_ms) <= 0)
			return EAGAIN;
	}
}

int mst_port_burst(struct mst_port *port, const uint8_t *const *frames, const size_t *lens,
		   const enum mst_slot_kind *kinds, unsigned n, char (*dst)[MST_NAME_LEN])
{
	struct pollfd pfd = { .fd = port->fd, .events = POLLOUT };
	struct netmap_slot saved[MST_BURST_MAX];
	struct netmap_ring *ring;
	uint32_t at;
	int err = 0;

	if (port->nifp == NULL)
		return EOPNOTSUPP;
	if (port->nifp->ni_tx_rings == 0)
		return EPERM;
	if (n == 0 || n > MST_BURST_MAX)
		return EINVAL;
	ring = NETMAP_TXRING(port->nifp, 0);
	if (nm_ring_space(ring) < n && poll(&pfd, 1, 1000) <= 0)
		return EAGAIN;
	if (nm_ring_space(ring) < n)
		return ENOSPC;
	at = ring->head;
	for (unsigned i = 0; i < n; i++, at = nm_ring_next(ring, at)) {
		struct netmap_slot *slot = &ring->slot[at];

		if (lens[i] > ring->nr_buf_size)
			return EMSGSIZE;
		saved[i] = *slot;
		memcpy(NETMAP_BUF(ring, slot->buf_idx), frames[i], lens[i]);
		slot->len = (uint16_t) lens[i];
		if (kinds[i] == MST_SLOT_BAD_INDEX)
			slot->buf_idx = MST_SPOILED_INDEX;
		else if (kinds[i] == MST_SLOT_BAD_LENGTH)
			slot->len = MST_SPOILED_LENGTH;
		else if (kinds[i] == MST_SLOT_INDIRECT) {
			slot->flags |= NS_INDIRECT;
			slot->ptr = MST_SPOILED_ADDRESS;
		}
		snprintf(dst[i], MST_NAME_LEN, "?");
	}
	ring->head = ring->cur = at;
	if (ioctl(port->fd, NIOCTXSYNC, NULL) < 0)
		err = errno;
	/* The slots keep their buffers: a spoiled index or flag would lose one for good. */
	at = (ring->head + ring->num_slots - n) % ring->num_slots;
	for (unsigned i = 0; i < n; i++, at = nm_ring_next(ring, at)) {
		ring->slot[at].buf_idx = saved[i].buf_idx;
		ring->slot[at].flags = saved[i].flags;
		ring->slot[at].ptr = saved[i].ptr;
	}
	return err;
}
