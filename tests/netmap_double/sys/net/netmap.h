/* SPDX-License-Identifier: BSD-2-Clause */
/* TEST DOUBLE of netmap's sys/net/netmap.h: only what kernel/linux uses. */
#ifndef NETMAP_DOUBLE_NET_NETMAP_H
#define NETMAP_DOUBLE_NET_NETMAP_H

#define NETMAP_API 14 /* the version the double imitates */

#define NETMAP_REQ_IFNAMSIZ 64

/* Slot flags seen by a switch lookup. */
#define NS_INDIRECT 0x0010 /* the buffer is in user memory */
#define NS_MOREFRAG 0x0020 /* the frame continues in the next slot */

#endif
