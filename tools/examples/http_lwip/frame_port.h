/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A multistack port as the lwIP driver sees it: Ethernet frames in and out, one at a
 * time, and an fd to poll.  Two backends implement it: real netmap rings
 * (frame_port_netmap.c, shipped) and the netmap test double's read()/write() data path
 * (tests/guest/agent/frame_port_double.c, tests only).
 */
#ifndef HTTP_LWIP_FRAME_PORT_H
#define HTTP_LWIP_FRAME_PORT_H

#include <stddef.h>

struct frame_port;

/* Opens the switch port name ("valem:vp0") with all its rings, exclusively; NULL + errno. */
struct frame_port *frame_port_open(const char *name);

/* The fd to poll for POLLIN (frames waiting) and to send multistack requests on. */
int frame_port_fd(const struct frame_port *port);

/* Copies the next received frame into buf; its length, 0 if none is waiting, -1 + errno. */
int frame_port_recv(struct frame_port *port, void *buf, size_t size);

/* Queues one frame for the switch; 0, or -1 + errno (EAGAIN: no room even after waiting). */
int frame_port_send(struct frame_port *port, const void *frame, size_t len);

/* Pushes queued frames out now (a ring backend batches them until this call). */
void frame_port_flush(struct frame_port *port);

void frame_port_close(struct frame_port *port);

/* Which backend this build has, for messages ("netmap", "double"). */
extern const char frame_port_backend[];

#endif /* HTTP_LWIP_FRAME_PORT_H */
