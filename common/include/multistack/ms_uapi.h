/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The request a process sends with ioctl(netmap_fd, NIOCCONFIG, &nm_ifreq):
 * nifr_name names the caller's own port ("valem:vp0"), and this structure
 * fills nifr_data.  Shared by the kernel modules, the C helper and the
 * Python tools (which mirror it with ctypes; tests check the layout).
 */
#ifndef MULTISTACK_MS_UAPI_H
#define MULTISTACK_MS_UAPI_H

#if defined(__KERNEL__) || defined(_KERNEL)
#include "ms_os_types.h"
#else
#include <stdint.h>
#endif

#define MS_REQ_MAGIC   0x4d53u /* "MS" */
#define MS_REQ_VERSION 1u
#define MS_REQ_SIZE    256u /* exactly nm_ifreq's data */

enum ms_req_cmd {
	MS_CMD_BIND = 1,   /* register the tuple of socket fd for the caller's port */
	MS_CMD_UNBIND = 2, /* remove that registration */
	MS_CMD_QUERY = 3,  /* report who holds a tuple and its counters */
};

/* Values of ms_req.fd other than a descriptor. */
#define MS_REQ_FD_SEARCH (-1) /* find a matching socket in the caller's file table */

/* Flags in ms_req.out_flags after MS_CMD_QUERY. */
#define MS_QUERY_FOUND	  0x1u /* the tuple is registered */
#define MS_QUERY_MINE	  0x2u /* ... by the port named in the request */
#define MS_QUERY_WILDCARD 0x4u /* ... through a wildcard-address entry */

/*
 * All fields are in host byte order except addr (network order, IPv4 in the
 * first four bytes, the rest zero).  Unused and reserved bytes must be zero:
 * the kernel rejects a request with EINVAL otherwise, so that later versions
 * can give them meaning.
 */
struct ms_req {
	uint16_t magic;	  /* MS_REQ_MAGIC */
	uint8_t version;  /* MS_REQ_VERSION */
	uint8_t cmd;	  /* enum ms_req_cmd */
	uint8_t family;	  /* 4 or 6 */
	uint8_t proto;	  /* IPPROTO_TCP, _UDP, _UDPLITE, _SCTP, _DCCP */
	uint16_t port;	  /* local port the socket is bound to */
	int32_t fd;	  /* the bound socket in the caller's table, or MS_REQ_FD_SEARCH */
	uint32_t flags;	  /* none defined: must be 0 */
	uint8_t addr[16]; /* local address, all-zero for the wildcard */
	/* filled by MS_CMD_QUERY */
	uint32_t out_flags;
	uint32_t out_owner_pid;
	uint64_t out_packets;
	uint64_t out_bytes;
	char out_owner_port[16]; /* port name of the holder, NUL-terminated */
	uint8_t reserved[MS_REQ_SIZE - 72];
};

#endif /* MULTISTACK_MS_UAPI_H */
