/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The switch side of mstest: ports of a VALE switch, opened through /dev/netmap.  Two
 * implementations: mstest_port_netmap.c for real netmap, mstest_port_double.c for the test
 * double (tests/netmap_double), chosen at build time.
 */
#ifndef MSTEST_H
#define MSTEST_H

#include <stddef.h>
#include <stdint.h>

#define MST_NAME_LEN 64

struct ms_req;
struct mst_port;

/* Which implementation this is: "netmap" or "double". */
extern const char mst_backend[];

/* Which rings of a port a registration selects. */
enum mst_rings {
	MST_RINGS_ALL,	/* NR_REG_ALL_NIC */
	MST_RINGS_TX,	/* NR_REG_ALL_NIC, NR_TX_RINGS_ONLY */
	MST_RINGS_RX,	/* NR_REG_ALL_NIC, NR_RX_RINGS_ONLY */
	MST_RINGS_NONE, /* NR_REG_ALL_NIC, both: the fd holds the port and no ring */
	MST_RINGS_NULL, /* NR_REG_NULL (netmap: a null port of its own, not this one) */
};

/* How a port is opened: as netmap's NIOCREGIF asks for its rings. */
struct mst_open {
	int exclusive; /* NR_EXCLUSIVE: a later opener of the rings gets EBUSY */
	enum mst_rings rings;
};

/* nr_mode and nr_flags of a registration as how asks. */
void mst_open_request(const struct mst_open *how, uint32_t *nr_mode, uint64_t *nr_flags);

/* Opens port name ("valem:vp0"); NULL with errno set on failure. */
struct mst_port *mst_port_open(const char *name, const struct mst_open *how);
/*
 * Takes fd, a netmap fd some other process opened on port name (passed over SCM_RIGHTS), as
 * a port: requests can go through it; sending and receiving only where the backend can.
 */
struct mst_port *mst_port_adopt(int fd, const char *name);
/*
 * Attaches NIC name to its switch, with its host stack as `vale-ctl -h` does, or without it
 * as `vale-ctl -a` (with_host 0), for as long as the port stays open.  Only the double can:
 * with real netmap a test attaches a veth with vale-ctl.
 */
struct mst_port *mst_nic_open(const char *name, int with_host);
void mst_port_close(struct mst_port *port);
/*
 * ioctl(NIOCCONFIG) on the port's fd with req as the request data, naming port as (the
 * port's own name when NULL) in nifr_name; 0 or an errno value.
 */
int mst_port_config(struct mst_port *port, struct ms_req *req, const char *as);
/* The port's netmap fd and its name ("valem:vp0"), for requests built on ms_app.h. */
int mst_port_fd(const struct mst_port *port);
const char *mst_port_name(const struct mst_port *port);
/*
 * Sends one frame from the port (from_host: from a NIC's host stack side).  dst receives
 * where the switch sent it when the implementation can tell ("" dropped, "*" every port,
 * else a port name) and "?" when it cannot.  0 or an errno value.
 */
int mst_port_send(struct mst_port *port, const void *frame, size_t len, int from_host,
		  char dst[MST_NAME_LEN]);
/*
 * The port's data path, one frame at a time: the double's write()/read() on the port's fd,
 * real netmap's TX and RX rings.  mst_port_write sends frame (the switch's lookup decides
 * where it goes; a drop is not reported, as in netmap); 0 or an errno value.
 * mst_port_read takes the next frame that arrives within timeout_ms into buf (size bytes),
 * its length in *len; 0, EAGAIN when none came, or another errno value.
 */
int mst_port_write(struct mst_port *port, const void *frame, size_t len);
int mst_port_read(struct mst_port *port, uint8_t *buf, size_t size, int timeout_ms, size_t *len);
/* What a slot of a burst holds: a frame, or something a process may leave in a slot. */
enum mst_slot_kind {
	MST_SLOT_FRAME,
	MST_SLOT_BAD_INDEX,  /* a buffer index past the allocator's last */
	MST_SLOT_BAD_LENGTH, /* a length past the buffer's end */
	MST_SLOT_INDIRECT,   /* NS_INDIRECT, its address a kernel one */
};
/* What a spoiled slot holds, the same on both backends. */
#define MST_SPOILED_INDEX   0x7ffffff0u		  /* past any allocator's last buffer */
#define MST_SPOILED_LENGTH  0xffffu		  /* past any buffer's end */
#define MST_SPOILED_ADDRESS 0xffffffff81000000ull /* the kernel's, for an indirect slot */
#define MST_BURST_MAX	    48
/*
 * Sends n slots (at most MST_BURST_MAX) from the port in one txsync, as a stack that fills its
 * TX ring and syncs once: slot i holds frames[i] (lens[i] bytes), spoiled as kinds[i] says.
 * dst[i] receives where the switch sent slot i, as mst_port_send reports it ("?" when the
 * backend cannot tell).  0 or an errno value.
 */
int mst_port_burst(struct mst_port *port, const uint8_t *const *frames, const size_t *lens,
		   const enum mst_slot_kind *kinds, unsigned n, char (*dst)[MST_NAME_LEN]);
/*
 * Counts frames arriving within timeout_ms, passing each to fn; -1 if the port cannot receive
 * them (the double: frames sent with mst_port_send only report their destination, so there
 * is nothing to count; frames sent with mst_port_write are read with mst_port_read).
 */
int mst_port_recv(struct mst_port *port, int timeout_ms,
		  void (*fn)(const uint8_t *frame, size_t len, void *arg), void *arg);

/* mstest_proc.c: users, namespaces, descriptors for another process; 0 or an errno value. */
int mst_become_user(unsigned uid);
/* unshare -Urn for this process: its own user (where it is root) and network namespace. */
int mst_unshare_net(void);
/* Listens on the unix socket path, hands fd to the first process that connects. */
int mst_give_fd(const char *path, int fd);
/* Sends fd in one SCM_RIGHTS message on the connected unix socket conn. */
int mst_send_fd(int conn, int fd);
/* Connects to path (waiting up to timeout_ms for it) and returns the fd handed over, or -errno. */
int mst_take_fd(const char *path, int timeout_ms);
/* make(arg) in a child in its own user + network namespace; its fd comes back, or -errno. */
int mst_in_new_netns(int (*make)(void *arg), void *arg);

#endif
