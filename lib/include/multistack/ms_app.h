/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The MultiStack helper for applications: header-only, no library to link.
 *
 *     int nmfd = ...;                       // a netmap fd registered on "valem:vp0"
 *     int s = socket(AF_INET, SOCK_DGRAM, 0);
 *     bind(s, ...);                         // the kernel now owns that port for us
 *     if (ms_app_bind(nmfd, "valem:vp0", s) != 0)
 *             fprintf(stderr, "multistack: %s\n", ms_app_strerror(errno));
 *
 * The module checks everything again (the socket in the caller's file table,
 * the port being the caller's own); this header only fills the request.
 * Applications written for the 2015 module: see ms_msreq_ioctl() below.
 */
#ifndef MULTISTACK_MS_APP_H
#define MULTISTACK_MS_APP_H

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "multistack/ms_uapi.h"

/* IFNAMSIZ of Linux and FreeBSD, which strict ISO C modes do not declare. */
#define MS_APP_IFNAMSIZ 16

/* netmap's struct nm_ifreq, laid out the same, so no netmap header is needed. */
struct ms_app_ifreq {
	char nifr_name[MS_APP_IFNAMSIZ];
	char data[MS_REQ_SIZE];
};
#define MS_APP_NIOCCONFIG _IOWR('i', 150, struct ms_app_ifreq) /* == netmap's NIOCCONFIG */

/* A request of cmd with magic and version set and everything else zero. */
static inline void ms_app_init(struct ms_req *req, enum ms_req_cmd cmd)
{
	memset(req, 0, sizeof(*req));
	req->magic = MS_REQ_MAGIC;
	req->version = MS_REQ_VERSION;
	req->cmd = (uint8_t) cmd;
}

/* Sends req for the caller's port (e.g. "valem:vp0"); 0, or -1 with errno set. */
static inline int ms_app_send(int netmap_fd, const char *port, struct ms_req *req)
{
	struct ms_app_ifreq ifr;

	if (strlen(port) >= sizeof(ifr.nifr_name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.nifr_name, port, strlen(port));
	memcpy(ifr.data, req, sizeof(*req));
	if (ioctl(netmap_fd, MS_APP_NIOCCONFIG, &ifr) != 0)
		return -1;
	memcpy(req, ifr.data, sizeof(*req)); /* QUERY answers come back here */
	return 0;
}

/* Fills family, proto, port and addr from a bound socket; 0, or -1 with errno set. */
static inline int ms_app_tuple_of_socket(int sock, struct ms_req *req)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int proto = 0;
	socklen_t plen = sizeof(proto);

	if (getsockname(sock, (struct sockaddr *) &ss, &len) != 0)
		return -1;
#ifdef SO_PROTOCOL
	if (getsockopt(sock, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) != 0)
		return -1;
#else
	/* Strict ISO C modes hide SO_PROTOCOL: infer it from the socket type. */
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &proto, &plen) != 0)
		return -1;
	proto = proto == SOCK_STREAM ? IPPROTO_TCP : proto == SOCK_DGRAM ? IPPROTO_UDP : 0;
#endif
	req->proto = (uint8_t) proto;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *) &ss;

		req->family = 4;
		req->port = ntohs(sin->sin_port);
		memcpy(req->addr, &sin->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) &ss;

		req->family = 6;
		req->port = ntohs(sin6->sin6_port);
		memcpy(req->addr, &sin6->sin6_addr, 16);
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (req->port == 0) {
		errno = EINVAL; /* not bound yet */
		return -1;
	}
	return 0;
}

static inline int ms_app_request_for_socket(int netmap_fd, const char *port, int sock,
					    enum ms_req_cmd cmd)
{
	struct ms_req req;

	ms_app_init(&req, cmd);
	if (ms_app_tuple_of_socket(sock, &req) != 0)
		return -1;
	req.fd = sock;
	return ms_app_send(netmap_fd, port, &req);
}

/* Registers the tuple sock is bound to for the caller's port. */
static inline int ms_app_bind(int netmap_fd, const char *port, int sock)
{
	return ms_app_request_for_socket(netmap_fd, port, sock, MS_CMD_BIND);
}

/* Removes that registration (the module then lets go of the socket). */
static inline int ms_app_unbind(int netmap_fd, const char *port, int sock)
{
	return ms_app_request_for_socket(netmap_fd, port, sock, MS_CMD_UNBIND);
}

/* Asks who holds the tuple sock is bound to; the answer is in out->out_*. */
static inline int ms_app_query(int netmap_fd, const char *port, int sock, struct ms_req *out)
{
	ms_app_init(out, MS_CMD_QUERY);
	if (ms_app_tuple_of_socket(sock, out) != 0)
		return -1;
	out->fd = sock;
	return ms_app_send(netmap_fd, port, out);
}

/* What an errno from the calls above means for a MultiStack request. */
static inline const char *ms_app_strerror(int err)
{
	switch (err) {
	case EPERM:
		return "not allowed: the process holds no socket bound to that tuple, or the port "
		       "is "
		       "not its own netmap port on the switch";
	case EADDRINUSE:
		return "another port has registered that tuple";
	case EEXIST:
		return "this port has already registered that tuple";
	case ENOENT:
		return "that tuple is not registered";
	case EINVAL:
		return "malformed request, unbound socket, or no multistack module on that switch";
	case ENAMETOOLONG:
		return "port name longer than 15 characters";
	case EAFNOSUPPORT:
		return "the socket is neither IPv4 nor IPv6";
	case ENOMEM:
		return "the module is out of memory";
	case ENOTTY:
		return "the fd is not a netmap fd";
	}
	return strerror(err);
}

#ifndef MS_APP_NO_2015_COMPAT
/*
 * Source compatibility with the 2015 module's <net/multistack.h>: the same
 * names, so code that fills a struct msreq compiles unchanged.  Replace its
 * ioctl(fd, NIOCCONFIG, &req) with ms_msreq_ioctl(fd, &req): the request is
 * converted, and the module finds the caller's bound socket by itself.
 */
#define MULTISTACK_BIND	  1
#define MULTISTACK_UNBIND 2

struct msaddr {
	union {
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
		struct sockaddr sa;
	};
	uint8_t protocol;
};

struct msreq {
	char mr_name[MS_APP_IFNAMSIZ];
	union {
		struct msaddr mr_addr;
	} mr_ifru;
	int mr_cmd;
};
#define mr_sin	 mr_ifru.mr_addr.sin
#define mr_sin6	 mr_ifru.mr_addr.sin6
#define mr_sa	 mr_ifru.mr_addr.sa
#define mr_proto mr_ifru.mr_addr.protocol

static inline int ms_msreq_ioctl(int netmap_fd, const struct msreq *old)
{
	struct ms_req req;
	char port[MS_APP_IFNAMSIZ + 1];

	if (old->mr_cmd != MULTISTACK_BIND && old->mr_cmd != MULTISTACK_UNBIND) {
		errno = EINVAL;
		return -1;
	}
	ms_app_init(&req, old->mr_cmd == MULTISTACK_BIND ? MS_CMD_BIND : MS_CMD_UNBIND);
	req.proto = old->mr_proto;
	req.fd = MS_REQ_FD_SEARCH;
	if (old->mr_sa.sa_family == AF_INET) {
		req.family = 4;
		req.port = ntohs(old->mr_sin.sin_port);
		memcpy(req.addr, &old->mr_sin.sin_addr, 4);
	} else if (old->mr_sa.sa_family == AF_INET6) {
		req.family = 6;
		req.port = ntohs(old->mr_sin6.sin6_port);
		memcpy(req.addr, &old->mr_sin6.sin6_addr, 16);
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memcpy(port, old->mr_name, MS_APP_IFNAMSIZ);
	port[MS_APP_IFNAMSIZ] = '\0';
	return ms_app_send(netmap_fd, port, &req);
}
#endif /* MS_APP_NO_2015_COMPAT */

#endif /* MULTISTACK_MS_APP_H */
