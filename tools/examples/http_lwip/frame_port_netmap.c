/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * frame_port on real netmap: a VALE port opened with libnetmap's nmport_open() and
 * its rings read and filled directly.  Received frames are taken from the RX rings
 * without a system call while any are waiting; sent frames are batched in the TX ring
 * until frame_port_flush() (or a full ring) makes netmap push them.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* libnetmap.h needs the headers above */
#include <libnetmap.h>

#include "frame_port.h"

const char frame_port_backend[] = "netmap";

struct frame_port {
	struct nmport_d *d;
	unsigned unsynced; /* frames put in a TX ring since the last TXSYNC */
};

struct frame_port *frame_port_open(const char *name)
{
	struct frame_port *port = calloc(1, sizeof(*port));
	char spec[96];

	if (port == NULL)
		return NULL;
	/* "/x": NR_EXCLUSIVE on all rings, which multistack requires of a port's owner. */
	if (snprintf(spec, sizeof(spec), "%s/x", name) >= (int) sizeof(spec)) {
		free(port);
		errno = ENAMETOOLONG;
		return NULL;
	}
	port->d = nmport_open(spec);
	if (port->d == NULL) {
		int err = errno;

		free(port);
		errno = err;
		return NULL;
	}
	return port;
}

int frame_port_fd(const struct frame_port *port)
{
	return port->d->fd;
}

int frame_port_recv(struct frame_port *port, void *buf, size_t size)
{
	struct nmport_d *d = port->d;

	for (unsigned r = d->first_rx_ring; r <= d->last_rx_ring; r++) {
		struct netmap_ring *ring = NETMAP_RXRING(d->nifp, r);
		struct netmap_slot *slot;
		size_t len;

		if (nm_ring_empty(ring))
			continue;
		slot = &ring->slot[ring->head];
		/* A frame spread over several slots (NS_MOREFRAG) is not ours to handle: drop. */
		len = slot->len;
		if (len > size || (slot->flags & NS_MOREFRAG))
			len = 0;
		else
			memcpy(buf, NETMAP_BUF(ring, slot->buf_idx), len);
		ring->head = ring->cur = nm_ring_next(ring, ring->head);
		if (len == 0)
			continue;
		return (int) len;
	}
	return 0;
}

/* A TX ring with a free slot, after asking netmap for room once if needed; NULL if none. */
static struct netmap_ring *tx_ring_with_room(struct nmport_d *d)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		for (unsigned r = d->first_tx_ring; r <= d->last_tx_ring; r++) {
			struct netmap_ring *ring = NETMAP_TXRING(d->nifp, r);

			if (nm_ring_space(ring) > 0)
				return ring;
		}
		if (attempt == 0) {
			/* Full: let netmap send what is queued, waiting a little for room. */
			struct pollfd pfd = { .fd = d->fd, .events = POLLOUT };

			ioctl(d->fd, NIOCTXSYNC, NULL);
			poll(&pfd, 1, 100);
		}
	}
	return NULL;
}

int frame_port_send(struct frame_port *port, const void *frame, size_t len)
{
	struct netmap_ring *ring = tx_ring_with_room(port->d);
	struct netmap_slot *slot;

	if (ring == NULL) {
		errno = EAGAIN;
		return -1;
	}
	slot = &ring->slot[ring->head];
	if (len > ring->nr_buf_size) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(NETMAP_BUF(ring, slot->buf_idx), frame, len);
	slot->len = (uint16_t) len;
	slot->flags = 0;
	ring->head = ring->cur = nm_ring_next(ring, ring->head);
	port->unsynced++;
	return 0;
}

void frame_port_flush(struct frame_port *port)
{
	if (port->unsynced > 0) {
		ioctl(port->d->fd, NIOCTXSYNC, NULL);
		port->unsynced = 0;
	}
}

void frame_port_close(struct frame_port *port)
{
	if (port == NULL)
		return;
	nmport_close(port->d);
	free(port);
}
