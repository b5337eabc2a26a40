/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Userspace interface of the netmap TEST DOUBLE (tests/netmap_double): the
 * ioctls a guest test uses to build a switch and push frames through the
 * lookup of the module under test.  Not part of netmap and never shipped.
 */
#ifndef NETMAP_DOUBLE_UAPI_H
#define NETMAP_DOUBLE_UAPI_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif

#define NMD_NAME_LEN  64
#define NMD_FRAME_MAX 2048

/* What an attached fd stands for. */
enum nmd_kind {
	NMD_KIND_VP = 0,  /* a VALE port, like an application's NIOCREGIF of "valem:vp0" */
	NMD_KIND_NIC = 1, /* vale-ctl -h: a NIC and its host port, "valem:eth0", "valem:eth0^" */
	NMD_KIND_NIC_NO_HOST = 2, /* vale-ctl -a: the NIC's port alone on the switch */
};

/*
 * NMD_IOC_ATTACH.  NMD_KIND_VP registers this fd on port name of the switch
 * named by the prefix up to ':' in the caller's network namespace, as
 * NIOCREGIF does: the port is created if absent, joined if it exists;
 * nr_mode NR_REG_ALL_NIC (or 0) selects its rings, less the RX ones with
 * NR_TX_RINGS_ONLY and the TX ones with NR_RX_RINGS_ONLY in nr_flags (both:
 * none); NR_EXCLUSIVE asks for them alone.  NR_REG_NULL gets EINVAL (see
 * README.md).  The NIC kinds stand for vale-ctl: the NIC stays on the
 * switch until this fd is closed.
 */
struct nmd_attach {
	char name[NMD_NAME_LEN]; /* in: "valem:vp0" */
	uint32_t kind;		 /* in: enum nmd_kind */
	uint32_t virt_hdr_len;	 /* in: 0, 10 or 12, as a port's virtio-net header */
	uint32_t nr_mode;	 /* in: NMD_KIND_VP: NR_REG_ALL_NIC (0 too) or NR_REG_NULL */
	uint32_t nr_flags;	 /* in: NMD_KIND_VP: 0 or NR_EXCLUSIVE */
	int32_t port_index;	 /* out: the port's index on the switch */
	int32_t host_port_index; /* out: the NIC kinds: the host port, else -1 */
};

/*
 * NMD_IOC_INJECT: run the switch's lookup on one frame as if it came from
 * this fd's port (from_host = 1: from the host stack port of a NIC fd).
 * frame holds virt_hdr_len bytes of header followed by the Ethernet frame;
 * first_frag_len > 0 splits it into two slots at that length, as netmap
 * does for a frame spread over several buffers.
 */
struct nmd_inject {
	uint32_t len;		      /* in: bytes in frame, header included */
	uint32_t first_frag_len;      /* in: 0 = one slot */
	uint32_t from_host;	      /* in: 1 = from the NIC's host stack port */
	uint32_t ring;		      /* in: source ring number */
	uint32_t dst_port;	      /* out: what lookup returned: index, 254 all, 255 drop */
	uint32_t dst_ring;	      /* out: the ring lookup chose */
	char dst_name[NMD_NAME_LEN];  /* out: port name, "*" for all, "" for drop */
	uint8_t frame[NMD_FRAME_MAX]; /* in */
};

/*
 * NMD_IOC_INJECT_BATCH: what one txsync of `count` slots does in netmap's
 * switch, from this fd's port (from_host as NMD_IOC_INJECT).  The slots are
 * written into the port's TX ring (NMD_TX_SLOTS slots; ring 0) from where the
 * previous batch stopped, each with its frame in its own buffer and the
 * flags, buffer index and ptr given; then, as netmap's forwarding does, the
 * work array is filled from them (an indirect slot's buffer is its ptr; an
 * unknown buffer index is buffer 0; a length past the buffer empties the
 * slot), and the lookup runs once per slot in ring order under one read lock
 * (not for a slot whose frame is no longer than the port's virtio-net
 * header).  Every frame is one slot.
 */
#define NMD_TX_SLOTS  64
#define NMD_BATCH_MAX 48
#define NMD_NO_LOOKUP 0xffffffffu

struct nmd_batch_slot {
	uint32_t len;	   /* in: the slot's length; its frame's bytes are in data */
	uint32_t flags;	   /* in: 0 or NS_INDIRECT (0x10) */
	uint32_t buf_idx;  /* in: 0: the slot's own buffer; else this index, whatever it is */
	uint32_t dst_port; /* out: what lookup returned, or NMD_NO_LOOKUP */
	uint64_t ptr;	   /* in: the slot's ptr (an indirect slot's buffer address) */
	char dst_name[NMD_NAME_LEN]; /* out: as NMD_IOC_INJECT's ("" also without a lookup) */
};

struct nmd_inject_batch {
	uint32_t count;	    /* in: slots, 1 to NMD_BATCH_MAX */
	uint32_t from_host; /* in: 1 = from the NIC's host stack port */
	uint64_t data;	    /* in: count * NMD_FRAME_MAX bytes; slot i's at i * NMD_FRAME_MAX */
	struct nmd_batch_slot slot[NMD_BATCH_MAX];
};

/*
 * The data path of a VALE port's fd (NMD_KIND_VP; see README.md):
 *   write(fd, frame, len)  one frame (virt_hdr_len bytes of header, then Ethernet) into the
 *                          switch from this port; the switch's lookup decides where it goes
 *                          and it is delivered there.  Returns len, also when the switch
 *                          drops it.  EINVAL: len below virt_hdr_len + 14 or above
 *                          NMD_FRAME_MAX; EPERM: the fd holds no TX ring; ENXIO: the fd is
 *                          registered nowhere (or attached a NIC).
 *   read(fd, buf, size)    one frame from the port's receive queue (NMD_RXQ_FRAMES frames;
 *                          one queue per port, shared by every fd on it).  EMSGSIZE if the
 *                          frame is longer than size (it stays queued); blocks, or EAGAIN
 *                          with O_NONBLOCK; EPERM: no RX ring; ENXIO as for write.
 *   poll                   POLLIN: a frame is queued (and the fd holds the RX ring);
 *                          POLLOUT: the fd holds the TX ring; POLLERR: registered nowhere.
 * Counters per port: /proc/netmap_double, one line per port of the reader's namespace:
 *   NAME INDEX TX TX_DROP RX RX_DROP QUEUED
 */
#define NMD_RXQ_FRAMES 1024

#define NMD_IOC_ATTACH	     _IOWR('N', 1, struct nmd_attach)
#define NMD_IOC_INJECT	     _IOWR('N', 2, struct nmd_inject)
#define NMD_IOC_INJECT_BATCH _IOWR('N', 3, struct nmd_inject_batch)

#endif /* NETMAP_DOUBLE_UAPI_H */
