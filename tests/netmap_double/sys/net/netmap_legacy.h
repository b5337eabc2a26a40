/* SPDX-License-Identifier: BSD-2-Clause */
/* TEST DOUBLE of netmap's sys/net/netmap_legacy.h: the NIOCCONFIG request. */
#ifndef NETMAP_DOUBLE_NET_NETMAP_LEGACY_H
#define NETMAP_DOUBLE_NET_NETMAP_LEGACY_H

#define NM_IFRDATA_LEN 256

struct nm_ifreq {
	char nifr_name[IFNAMSIZ];
	char data[NM_IFRDATA_LEN];
};

#define NIOCCONFIG _IOWR('i', 150, struct nm_ifreq)

#endif
