/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The MultiStack helper for applications: header-only, no library to link.
 *
 *     struct nmport_d *d = nmport_open("valem:vp0/x");   // /x: NR_EXCLUSIVE, all rings
 *     int s = socket(AF_INET, SOCK_DGRAM, 0);
 *     bind(s, ...);                         // the kernel now owns that port for us
 *     struct ms_req tuple;
 *     if (ms_app_bind_tuple(d->fd, "valem:vp0", s, &tuple) != 0)
 *             fprintf(stderr, "multistack: %s\n", ms_app_strerror(errno));
 *     // s is the kernel's now: do not use or close it.  Later, optionally:
 *     ms_app_unbind(d->fd, "valem:vp0", &tuple);
 *
 * The port must be opened with NR_EXCLUSIVE on all its rings: that is how the
 * module knows it is the caller's.  A successful BIND hands the socket over:
 * the kernel closes the caller's descriptor and keeps the socket, and so its
 * port, until the registration ends (UNBIND, the port closed, the process
 * gone).  The module checks everything again; this header only fills the
 * request.  Applications written for the 2015 module: see ms_msreq_ioctl().
 */
#ifndef MULTISTACK_MS_APP_H
#define MULTISTACK_MS_APP_H

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

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

/*
 * Registers the tuple sock is bound to for the caller's port and hands sock
 * to the kernel: on success its descriptor is closed (do not close it again).
 * tuple_out, if not NULL, receives the tuple for ms_app_unbind/ms_app_query.
 */
static inline int ms_app_bind_tuple(int netmap_fd, const char *port, int sock,
				    struct ms_req *tuple_out)
{
	struct ms_req req;

	ms_app_init(&req, MS_CMD_BIND);
	if (ms_app_tuple_of_socket(sock, &req) != 0)
		return -1;
	req.fd = sock;
	if (tuple_out)
		*tuple_out = req;
	return ms_app_send(netmap_fd, port, &req);
}

static inline int ms_app_bind(int netmap_fd, const char *port, int sock)
{
	return ms_app_bind_tuple(netmap_fd, port, sock, NULL);
}

/* A request of cmd for the tuple of an earlier BIND. */
static inline void ms_app_request_for_tuple(struct ms_req *req, enum ms_req_cmd cmd,
					    const struct ms_req *tuple)
{
	ms_app_init(req, cmd);
	req->family = tuple->family;
	req->proto = tuple->proto;
	req->port = tuple->port;
	memcpy(req->addr, tuple->addr, sizeof(req->addr));
	req->fd = MS_REQ_FD_SEARCH;
}

/* Removes that registration; the kernel closes the socket and frees its port. */
static inline int ms_app_unbind(int netmap_fd, const char *port, const struct ms_req *tuple)
{
	struct ms_req req;

	ms_app_request_for_tuple(&req, MS_CMD_UNBIND, tuple);
	return ms_app_send(netmap_fd, port, &req);
}

/* Asks who holds the tuple; the answer is in out->out_* (details only if it is ours). */
static inline int ms_app_query(int netmap_fd, const char *port, const struct ms_req *tuple,
			       struct ms_req *out)
{
	ms_app_request_for_tuple(out, MS_CMD_QUERY, tuple);
	return ms_app_send(netmap_fd, port, out);
}

/* What an errno from the calls above means for a MultiStack request. */
static inline const char *ms_app_strerror(int err)
{
	switch (err) {
	case EPERM:
		return "not allowed: the process holds no suitable socket bound to that tuple in "
		       "the switch's network namespace, or does not hold all rings of that port "
		       "exclusively (open it with NR_EXCLUSIVE, e.g. \"valem:vp0/x\")";
	case EADDRNOTAVAIL:
		return "the address is not one of this host's: only local addresses can be "
		       "registered";
	case EBUSY:
		return "the socket has other descriptors (dup, fork, in flight): the kernel "
		       "must get the only one";
	case ENOSPC:
		return "the registration limit of the switch or of this port is reached";
	case EADDRINUSE:
		return "another port has registered that tuple";
	case EEXIST:
		return "this port has already registered that tuple";
	case ENOENT:
		return "that tuple is not registered";
	case EINVAL:
		return "malformed request, port 0 or unbound socket, or no multistack module on "
		       "that switch";
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

/* Whether the socket at fd is bound to exactly the tuple of req (wildcard or not). */
static inline int ms_msreq_socket_matches(int fd, const struct ms_req *req)
{
	struct ms_req bound;

	memset(&bound, 0, sizeof(bound));
	if (ms_app_tuple_of_socket(fd, &bound) != 0)
		return 0;
	return bound.family == req->family && bound.proto == req->proto &&
	       bound.port == req->port && memcmp(bound.addr, req->addr, sizeof(req->addr)) == 0;
}

/*
 * A 2015 application keeps its socket and closes it itself, while BIND now
 * takes the socket over.  So the socket is moved to a fresh descriptor that
 * the kernel takes, and the application's descriptor is left pointing at
 * /dev/null: its later close() stays harmless.
 */
static inline int ms_msreq_bind(int netmap_fd, const char *port, struct ms_req *req)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd, moved, nul, saved;

	for (fd = 0; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		if (ms_msreq_socket_matches(fd, req))
			break;
	if (fd >= (max > 0 && max < 65536 ? max : 65536)) {
		errno = EPERM;
		return -1;
	}
	moved = fcntl(fd, F_DUPFD, 0);
	nul = open("/dev/null", O_RDWR);
	if (moved < 0 || nul < 0 || dup2(nul, fd) < 0) {
		saved = errno;
		if (moved >= 0)
			close(moved);
		if (nul >= 0)
			close(nul);
		errno = saved;
		return -1;
	}
	close(nul);
	req->fd = moved;
	if (ms_app_send(netmap_fd, port, req) == 0)
		return 0;
	saved = errno;
	dup2(moved, fd); /* refused: the application gets its socket back */
	close(moved);
	errno = saved;
	return -1;
}

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
	if (req.cmd == MS_CMD_BIND)
		return ms_msreq_bind(netmap_fd, port, &req);
	return ms_app_send(netmap_fd, port, &req);
}
#endif /* MS_APP_NO_2015_COMPAT */

#endif /* MULTISTACK_MS_APP_H */
