/* SPDX-License-Identifier: BSD-2-Clause */
/* The netmap side of mstest: a port of a VALE switch, opened through /dev/netmap. */
#ifndef MSTEST_H
#define MSTEST_H

#include <stddef.h>
#include <stdint.h>

struct ms_req;
struct mst_port;

/* Opens and registers port name ("valem:vp0"); NULL with errno set on failure. */
struct mst_port *mst_port_open(const char *name);
void mst_port_close(struct mst_port *port);
/* ioctl(NIOCCONFIG) with req as the request data; 0 or an errno value. */
int mst_port_config(struct mst_port *port, struct ms_req *req);
/* Queues one frame on the port's tx ring and flushes; 0 or an errno value. */
int mst_port_send(struct mst_port *port, const void *frame, size_t len);
/* Counts frames arriving within timeout_ms; each is passed to fn if fn is not NULL. */
unsigned mst_port_recv(struct mst_port *port, int timeout_ms,
		       void (*fn)(const uint8_t *frame, size_t len, void *arg), void *arg);

#endif
