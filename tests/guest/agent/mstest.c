/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mstest: the guest's hands.  Runs a list of operations given on the command line, left to
 * right, keeping one current socket and one current netmap port between them, and stops with
 * status 1 at the first result that differs from the expected one.  Each operation prints what
 * it did, so the console shows every step.  See usage() for the operations.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mstest.h"
#include "multistack/ms_app.h"
#include "multistack/ms_uapi.h"

/* The same request path as applications: ms_app.h's, whichever backend opened the port. */
int mst_port_config(struct mst_port *port, struct ms_req *req, const char *as)
{
	return ms_app_send(mst_port_fd(port), as ? as : mst_port_name(port), req) ? errno : 0;
}

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

struct frames {
	uint8_t *buf;
	size_t len;
};

struct nic {
	struct mst_port *port; /* the double */
	int packet_fd;	       /* real netmap: AF_PACKET on the veth peer */
	struct sockaddr_ll ll;
};

#define MAX_PORTS 8

struct state {
	int sock;
	int dup;	       /* a duplicate of the socket ("dup"), -1 if none */
	struct mst_port *port; /* the current port, one of ports[] */
	const char *port_name;
	struct mst_port *ports[MAX_PORTS];
	const char *port_names[MAX_PORTS];
	struct nic nic;
	const char *nic_name;
	uint8_t frame[2048]; /* the last frame "read" took, for "reply" */
	size_t frame_len;
};

struct tuple {
	uint8_t family;
	uint8_t proto;
	uint16_t port;
	uint8_t addr[16];
	int wildcard;
};

static void usage(void)
{
	fputs(
	    "usage: mstest OP... where OP is one of\n"
	    "  sock FAMILY PROTO ADDR PORT [freebind=1] [reuseport=1] [listen=0] [expect=ERR]\n"
	    "                                  socket(), bind() (and listen() for tcp)\n"
	    "  nssock FAMILY PROTO ADDR PORT   the same in a child in its own user + network\n"
	    "                                  namespace, handed back over SCM_RIGHTS\n"
	    "  connect ADDR PORT | disconnect  [expect=ERR] on the current socket (disconnect:\n"
	    "                                  connect(AF_UNSPEC))\n"
	    "  dup | close-dup | fork-hold | inflight   another holder of the current socket\n"
	    "  sockname expect=OK|EBADF        getsockname() on the current socket's fd\n"
	    "  port NAME [excl=0|1] [rings=all|null] [expect=ERR]   open a port (default\n"
	    "                                  NR_EXCLUSIVE, all rings); it becomes the current "
	    "one\n"
	    "  use NAME | close-port           switch to another open port; close the current one\n"
	    "  close-sock | setuid UID | ready FILE | pause | sleep MS\n"
	    "  unshare                         own user + network namespace (unshare -Urn)\n"
	    "  give PATH [what=sock|port|nic] [count=N]   hand the current socket (port, NIC fd)\n"
	    "                                  to the next N processes (0: all) that take it\n"
	    "                                  from unix socket PATH\n"
	    "  take PATH [port=NAME|nic=NAME]  take a socket (a port named NAME, the NIC) from "
	    "PATH\n"
	    "  rawsock FAMILY PROTO ADDR       a raw socket of PROTO bound to ADDR\n"
	    "  save-port FILE                  write the current socket's local port to FILE\n"
	    "  bare NAME                       a /dev/netmap fd registered nowhere, as port NAME\n"
	    "  grab PID FD NAME                fd FD of process PID (pidfd_getfd), as port NAME\n"
	    "  bind|unbind FAMILY PROTO ADDR PORT [fd=cur|search|N] [flags=N] [reserved=N]\n"
	    "              [version=N] [magic=N] [cmd=N] [family=N] [proto=N] [outflags=N] "
	    "[hidden=1]\n"
	    "              [as=PORT] expect=OK|EPERM|...   NIOCCONFIG on the current\n"
	    "              port's fd, naming PORT (default: that port) in the request\n"
	    "  query FAMILY PROTO ADDR PORT expect-flags=N\n"
	    "  nic NAME [via=NETNS/IFNAME] [host=0|1]   the double: attach NIC NAME with its host\n"
	    "                                  stack (host=0: without, as vale-ctl -a);\n"
	    "                                  real netmap: frames 'from the NIC' enter at IFNAME\n"
	    "  fromnic|fromhost|send FILE [expect=DST] [repeat=N] [pace=US]\n"
	    "                                  send each frame of FILE from the NIC, its host\n"
	    "                                  port, or the current port, pausing US us after\n"
	    "                                  each round; DST is drop, all, host, nic or a port\n"
	    "                                  (checked where the backend reports destinations)\n"
	    "  burst FILE [junk=1] [repeat=N] [from=nic]   FILE's frames in slots of one txsync\n"
	    "                                  each; junk=1: a spoiled slot after each frame;\n"
	    "                                  the double: each frame where it goes alone\n"
	    "  bindmany FAMILY PROTO ADDR FIRST COUNT   COUNT sockets bound to ports FIRST on,\n"
	    "                                  each registered (BIND) on the current port\n"
	    "  recv TIMEOUT_MS expect=N|min=N  frames received on the current port (real netmap)\n"
	    "  write FILE [expect=ERR]         each frame of FILE into the switch through the\n"
	    "                                  current port's data path (double: write())\n"
	    "  read TIMEOUT_MS [udp=PORT] [expect=ERR]   the next frame of the current port\n"
	    "                                  (with udp=: the next IPv4 UDP one to PORT, others\n"
	    "                                  are skipped); EAGAIN if none came in time\n"
	    "  reply                           write the frame 'read' took back, Ethernet, IPv4\n"
	    "                                  and UDP sources and destinations swapped\n"
	    "  krecv TIMEOUT_MS expect=N [text=STR]   N datagrams on the current socket, each\n"
	    "                                  STR, none waited for longer than TIMEOUT_MS\n"
	    "  sh COMMAND                      run COMMAND with system(); stop if it fails\n"
	    "  ask ADDR PORT MSG TIMEOUT_MS    send MSG over UDP, expect it echoed back\n"
	    "  kecho N                         answer N datagrams on the current socket\n"
	    "  offloads-off IFNAME             turn off checksum and segmentation offloads\n"
	    "  churn N K PORTNAME FAMILY PROTO ADDR PORT   N cycles of open port, K BIND/UNBIND\n"
	    "                                  pairs (a fresh socket each), close\n"
	    "FAMILY is 4 or 6, ADDR '*' is the wildcard, PORT 'auto' the current socket's;\n"
	    "FILE holds frames as\n"
	    "(2-byte little-endian length, bytes) records.\n",
	    stderr);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "mstest: %s\n", what);
	exit(1);
}

static int parse_errno(const char *name)
{
	if (strcmp(name, "OK") == 0 || strcmp(name, "0") == 0)
		return 0;
	for (int e = 1; e < 200; e++) {
		const char *n = strerrorname_np(e);

		if (n != NULL && strcmp(n, name) == 0)
			return e;
	}
	die("unknown errno name");
	return -1;
}

static const char *errno_name(int e)
{
	return e == 0 ? "OK" : strerrorname_np(e) ? strerrorname_np(e) : "E?";
}

static uint8_t parse_proto(const char *p)
{
	if (strcmp(p, "udp") == 0)
		return IPPROTO_UDP;
	if (strcmp(p, "tcp") == 0)
		return IPPROTO_TCP;
	if (strcmp(p, "udplite") == 0)
		return IPPROTO_UDPLITE;
	if (strcmp(p, "sctp") == 0)
		return IPPROTO_SCTP;
	if (strcmp(p, "dccp") == 0)
		return IPPROTO_DCCP;
	die("unknown protocol");
	return 0;
}

/* Reads FAMILY PROTO ADDR PORT at argv[0..3]. */
static struct tuple parse_tuple(char **argv)
{
	struct tuple t;

	memset(&t, 0, sizeof(t));
	t.family = (uint8_t) atoi(argv[0]);
	t.proto = parse_proto(argv[1]);
	t.port = (uint16_t) atoi(argv[3]);
	t.wildcard = strcmp(argv[2], "*") == 0;
	if (t.family != 4 && t.family != 6)
		die("family is 4 or 6");
	if (!t.wildcard && inet_pton(t.family == 4 ? AF_INET : AF_INET6, argv[2], t.addr) != 1)
		die("bad address");
	return t;
}

/* How `sock` sets a socket up beyond bind(). */
struct sock_opts {
	int freebind;  /* IP_FREEBIND / IPV6_FREEBIND: bind an address that is not local */
	int reuseport; /* SO_REUSEPORT: several sockets of one user on one port */
	int listen;    /* stream sockets: listen() after bind() (the default) */
};

static const struct sock_opts default_sock_opts = { .freebind = 0, .reuseport = 0, .listen = 1 };

static int open_socket(const struct tuple *t, const struct sock_opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int type = t->proto == IPPROTO_TCP || t->proto == IPPROTO_SCTP ? SOCK_STREAM : SOCK_DGRAM;
	int proto = t->proto == IPPROTO_SCTP || t->proto == IPPROTO_UDPLITE ? t->proto : 0;
	int fd;

	if (t->proto == IPPROTO_DCCP)
		type = SOCK_DCCP;
	memset(&ss, 0, sizeof(ss));
	if (t->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(t->port);
		memcpy(&sin->sin_addr, t->addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(t->port);
		memcpy(&sin6->sin6_addr, t->addr, 16);
		len = sizeof(*sin6);
	}
	fd = socket(t->family == 4 ? AF_INET : AF_INET6, type, proto);
	if (fd < 0)
		return -errno;
	if (t->family == 6) {
		int one = 1;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (o->reuseport) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	}
	if (o->freebind) {
		int one = 1;

		if (t->family == 4)
			setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	}
	if (bind(fd, (struct sockaddr *) &ss, len) < 0 ||
	    (type == SOCK_STREAM && o->listen && listen(fd, 1) < 0)) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

/* A raw socket of t's protocol bound to t's address (its "port" is the protocol), or -errno. */
static int open_raw_socket(const struct tuple *t)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(t->family == 4 ? AF_INET : AF_INET6, SOCK_RAW, t->proto);

	if (fd < 0)
		return -errno;
	memset(&ss, 0, sizeof(ss));
	if (t->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, t->addr, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, t->addr, 16);
		len = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *) &ss, len) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

static void fill_req(struct ms_req *req, uint8_t cmd, const struct tuple *t, int fd)
{
	memset(req, 0, sizeof(*req));
	req->magic = MS_REQ_MAGIC;
	req->version = MS_REQ_VERSION;
	req->cmd = cmd;
	req->family = t->family;
	req->proto = t->proto;
	req->port = t->port;
	req->fd = fd;
	memcpy(req->addr, t->addr, sizeof(req->addr));
}

static int need_port(struct state *st)
{
	if (st->port == NULL)
		die("no current port: use 'port NAME' first");
	return 0;
}

/* The local port of socket fd (0 if it has none). */
static uint16_t socket_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
		return 0;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
					     : ((struct sockaddr_in6 *) &ss)->sin6_port);
}

/* bind/unbind/query: returns how many argv entries it used. */
static int op_request(struct state *st, uint8_t cmd, int argc, char **argv)
{
	struct ms_req req;
	struct tuple t;
	int fd = st->sock, expect = 0, i = 4, err;
	const char *as = NULL;
	long expect_flags = -1;
	int hidden = 0;

	if (argc < 4)
		usage();
	t = parse_tuple(argv);
	if (strcmp(argv[3], "auto") == 0) /* the port the kernel gave the current socket */
		t.port = socket_port(st->sock);
	fill_req(&req, cmd, &t, fd);
	for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
		char *v = strchr(argv[i], '=') + 1;

		if (strncmp(argv[i], "fd=", 3) == 0)
			req.fd = strcmp(v, "cur") == 0	    ? st->sock
				 : strcmp(v, "search") == 0 ? MS_REQ_FD_SEARCH
							    : atoi(v);
		else if (strncmp(argv[i], "flags=", 6) == 0)
			req.flags = (uint32_t) strtoul(v, NULL, 0);
		else if (strncmp(argv[i], "reserved=", 9) == 0)
			req.reserved[0] = (uint8_t) strtoul(v, NULL, 0);
		else if (strncmp(argv[i], "version=", 8) == 0)
			req.version = (uint8_t) strtoul(v, NULL, 0);
		else if (strncmp(argv[i], "expect=", 7) == 0)
			expect = parse_errno(v);
		else if (strncmp(argv[i], "as=", 3) == 0)
			as = v;
		else if (strncmp(argv[i], "expect-flags=", 13) == 0)
			expect_flags = strtol(v, NULL, 0);
		else if (strncmp(argv[i], "cmd=", 4) == 0)
			req.cmd = (uint8_t) strtoul(v, NULL, 0);
		else if (strncmp(argv[i], "magic=", 6) == 0)
			req.magic = (uint16_t) strtoul(v, NULL, 0);
		else if (strncmp(argv[i], "family=", 7) == 0)
			req.family = (uint8_t) strtoul(v, NULL, 0);
		else if (strncmp(argv[i], "proto=", 6) == 0)
			req.proto = (uint8_t) strtoul(v, NULL, 0);
		else if (strncmp(argv[i], "outflags=", 9) == 0)
			req.out_flags = (uint32_t) strtoul(v, NULL, 0);
		else if (strcmp(argv[i], "hidden=1") == 0)
			hidden = 1; /* QUERY: nothing about the holder beyond FOUND/WILDCARD */
		else
			usage();
	}
	need_port(st);
	err = mst_port_config(st->port, &req, as);
	printf("%s %s %s %s %s fd=%d on %s: %s",
	       cmd == MS_CMD_BIND     ? "BIND"
	       : cmd == MS_CMD_UNBIND ? "UNBIND"
				      : "QUERY",
	       argv[0], argv[1], argv[2], argv[3], req.fd, as ? as : st->port_name,
	       errno_name(err));
	if (cmd == MS_CMD_QUERY && err == 0)
		printf(" flags=%u owner=%s pid=%u packets=%llu", req.out_flags, req.out_owner_port,
		       req.out_owner_pid, (unsigned long long) req.out_packets);
	printf("\n");
	if (err != expect) {
		fprintf(stderr, "mstest: expected %s, got %s\n", errno_name(expect),
			errno_name(err));
		exit(1);
	}
	if (hidden && (req.out_owner_pid != 0 || req.out_owner_port[0] != '\0' ||
		       req.out_packets != 0 || req.out_bytes != 0)) {
		fprintf(stderr, "mstest: QUERY revealed another port's holder\n");
		exit(1);
	}
	if (expect_flags >= 0 && (long) req.out_flags != expect_flags) {
		fprintf(stderr, "mstest: expected flags %ld, got %u\n", expect_flags,
			req.out_flags);
		exit(1);
	}
	return i;
}

static struct frames read_frames(const char *path)
{
	struct frames f = { NULL, 0 };
	FILE *fp = fopen(path, "rb");
	struct stat sb;

	if (fp == NULL || fstat(fileno(fp), &sb) < 0)
		die("cannot open frames file");
	f.buf = malloc((size_t) sb.st_size + 1);
	if (f.buf == NULL || fread(f.buf, 1, (size_t) sb.st_size, fp) != (size_t) sb.st_size)
		die("cannot read frames file");
	f.len = (size_t) sb.st_size;
	fclose(fp);
	return f;
}

/* Calls fn on each frame of f; returns the count. */
static unsigned each_frame(const struct frames *f, int (*fn)(const uint8_t *, size_t, void *),
			   void *arg)
{
	unsigned n = 0;

	for (size_t off = 0; off + 2 <= f->len;) {
		size_t len = f->buf[off] | (size_t) f->buf[off + 1] << 8;

		off += 2;
		if (off + len > f->len)
			die("truncated frames file");
		if (fn(f->buf + off, len, arg) != 0)
			die("sending a frame failed");
		off += len;
		n++;
	}
	return n;
}

/* Opens a packet socket on ifname inside network namespace netns ("" for the current one). */
static int open_packet_socket(const char *netns, const char *ifname, struct sockaddr_ll *ll)
{
	char path[128];
	int self = -1, fd;

	if (netns[0] != '\0') {
		int ns;

		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		self = open("/proc/self/ns/net", O_RDONLY);
		ns = open(path, O_RDONLY);
		if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET) < 0)
			die("cannot enter the peer's network namespace");
		close(ns);
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	memset(ll, 0, sizeof(*ll));
	ll->sll_family = AF_PACKET;
	ll->sll_ifindex = (int) if_nametoindex(ifname);
	if (fd < 0 || ll->sll_ifindex == 0)
		die("cannot open a packet socket on the NIC's peer");
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) < 0)
			die("cannot return to our network namespace");
		close(self);
	}
	return fd;
}

/* "drop", "all", "host" (the NIC's host port) or a port name, against what the switch said. */
static int dst_matches(const char *want, const char *got, const char *nic_name)
{
	const char *colon = strchr(got, ':');
	char host[MST_NAME_LEN + 2];

	if (strcmp(got, "?") == 0)
		return 1; /* the backend cannot tell: the scenario checks counters instead */
	if (strcmp(want, "drop") == 0)
		return got[0] == '\0';
	if (strcmp(want, "all") == 0)
		return strcmp(got, "*") == 0;
	if (strcmp(want, "host") == 0) {
		snprintf(host, sizeof(host), "%s^", nic_name);
		return strcmp(got, host) == 0 ||
		       (colon && strchr(host, ':') && strcmp(colon, strchr(host, ':')) == 0);
	}
	if (strcmp(want, "nic") == 0)
		want = nic_name;
	return strcmp(got, want) == 0 || (colon && strcmp(colon + 1, want) == 0) ||
	       (strchr(want, ':') && colon && strcmp(colon, strchr(want, ':')) == 0);
}

struct sender {
	struct mst_port *port;
	struct nic *nic;
	int from_host;
	const char *expect; /* NULL: no check */
	const char *nic_name;
	unsigned mismatches;
	unsigned sent;
};

static int send_one(const uint8_t *frame, size_t len, void *arg)
{
	struct sender *s = arg;
	char dst[MST_NAME_LEN];
	int err;

	if (s->nic != NULL && s->nic->port == NULL) {
		if (sendto(s->nic->packet_fd, frame, len, 0, (struct sockaddr *) &s->nic->ll,
			   sizeof(s->nic->ll)) < 0) {
			perror("mstest: sendto");
			return -1;
		}
		s->sent++;
		return 0;
	}
	err = mst_port_send(s->nic ? s->nic->port : s->port, frame, len, s->from_host, dst);
	if (err != 0) {
		fprintf(stderr, "mstest: send: %s\n", strerror(err));
		return -1;
	}
	s->sent++;
	if (s->expect != NULL && !dst_matches(s->expect, dst, s->nic_name)) {
		printf("  frame %u (%zu bytes) went to '%s', expected %s\n", s->sent, len, dst,
		       s->expect);
		s->mismatches++;
	}
	return 0;
}

/* fromnic/fromhost/send FILE [expect=DST] [repeat=N]; returns the argv entries used. */
static int op_send(struct state *st, const char *op, int argc, char **argv)
{
	struct sender s = { .nic_name = st->nic_name };
	unsigned repeat = 1;
	struct frames f;
	int pace_us = 0;
	int i = 1;

	if (argc < 1)
		usage();
	for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
		if (strncmp(argv[i], "expect=", 7) == 0)
			s.expect = argv[i] + 7;
		else if (strncmp(argv[i], "repeat=", 7) == 0)
			repeat = (unsigned) atoi(argv[i] + 7);
		else if (strncmp(argv[i], "pace=", 5) == 0)
			pace_us = atoi(argv[i] + 5);
		else
			usage();
	}
	if (strcmp(op, "send") == 0) {
		need_port(st);
		s.port = st->port;
	} else {
		if (st->nic.port == NULL && st->nic.packet_fd < 0)
			die("no NIC: use 'nic NAME via=NETNS/IFNAME' first");
		if (strcmp(op, "fromhost") == 0 && st->nic.port == NULL) {
			printf("%s %s: only the double can send from the host port; skipped\n", op,
			       argv[0]);
			return i;
		}
		s.nic = &st->nic;
		s.from_host = strcmp(op, "fromhost") == 0;
	}
	f = read_frames(argv[0]);
	for (unsigned r = 0; r < repeat; r++) {
		each_frame(&f, send_one, &s);
		if (pace_us > 0)
			usleep((useconds_t) pace_us);
	}
	free(f.buf);
	printf("%s %s: %u frames%s%s, %u elsewhere\n", op, argv[0], s.sent,
	       s.expect ? " expected at " : "", s.expect ? s.expect : "", s.mismatches);
	if (s.mismatches != 0)
		exit(1);
	return i;
}

/* The slots of one burst, gathered from a frames file. */
struct burst {
	struct mst_port *port;
	int junk; /* a spoiled slot after each frame */
	const uint8_t *frames[MST_BURST_MAX];
	size_t lens[MST_BURST_MAX];
	enum mst_slot_kind kinds[MST_BURST_MAX];
	unsigned n, spoiled, bursts, frames_sent, mismatches;
};

/* Sends the slots gathered; with the double, each frame's destination must be its own alone. */
static void burst_flush(struct burst *b)
{
	char dst[MST_BURST_MAX][MST_NAME_LEN], alone[MST_NAME_LEN];
	int err;

	if (b->n == 0)
		return;
	err = mst_port_burst(b->port, b->frames, b->lens, b->kinds, b->n, dst);
	if (err != 0) {
		fprintf(stderr, "mstest: burst: %s\n", strerror(err));
		exit(1);
	}
	for (unsigned i = 0; i < b->n; i++) {
		if (b->kinds[i] != MST_SLOT_FRAME || strcmp(dst[i], "?") == 0)
			continue;
		err = mst_port_send(b->port, b->frames[i], b->lens[i], 0, alone);
		if (err != 0 || strcmp(alone, dst[i]) != 0) {
			printf("  slot %u of burst %u went to '%s', alone to '%s'\n", i, b->bursts,
			       dst[i], err ? strerror(err) : alone);
			b->mismatches++;
		}
	}
	b->bursts++;
	b->n = 0;
}

static int burst_add(const uint8_t *frame, size_t len, void *arg)
{
	struct burst *b = arg;
	static const enum mst_slot_kind spoil[] = { MST_SLOT_BAD_INDEX, MST_SLOT_BAD_LENGTH,
						    MST_SLOT_INDIRECT };

	if (b->n + 1 + (b->junk != 0) > MST_BURST_MAX)
		burst_flush(b);
	b->frames[b->n] = frame;
	b->lens[b->n] = len;
	b->kinds[b->n++] = MST_SLOT_FRAME;
	b->frames_sent++;
	if (b->junk) {
		b->frames[b->n] = frame;
		b->lens[b->n] = len;
		b->kinds[b->n++] = spoil[b->spoiled++ % 3];
	}
	return 0;
}

/*
 * burst FILE [junk=1] [repeat=N] [from=nic]: the frames of FILE in slots of one txsync at a
 * time (MST_BURST_MAX slots), from the current port or the NIC's (the double); with junk=1 a
 * spoiled slot follows each frame.  Returns the argv entries used.
 */
static int op_burst(struct state *st, int argc, char **argv)
{
	struct burst b = { .port = st->port };
	unsigned repeat = 1;
	struct frames f;
	int i = 1;

	if (argc < 1)
		usage();
	for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
		if (strncmp(argv[i], "junk=", 5) == 0)
			b.junk = atoi(argv[i] + 5);
		else if (strncmp(argv[i], "repeat=", 7) == 0)
			repeat = (unsigned) atoi(argv[i] + 7);
		else if (strcmp(argv[i], "from=nic") == 0)
			b.port = st->nic.port;
		else
			usage();
	}
	if (b.port == NULL)
		die(strcmp(argv[i - 1], "from=nic") == 0
			? "burst from=nic: only the double's NIC takes slots; use fromnic"
			: "burst: no current port");
	f = read_frames(argv[0]);
	for (unsigned r = 0; r < repeat; r++)
		each_frame(&f, burst_add, &b);
	burst_flush(&b);
	free(f.buf);
	printf("burst %s: %u frames in %u txsyncs, %u spoiled slots, %u elsewhere than alone\n",
	       argv[0], b.frames_sent, b.bursts, b.spoiled, b.mismatches);
	if (b.mismatches != 0)
		exit(1);
	return i;
}

/* One request on port; exits on failure, naming the cycle. */
static void churn_request(struct mst_port *port, uint8_t cmd, const struct tuple *t, int fd,
			  unsigned cycle)
{
	struct ms_req req;
	int err;

	fill_req(&req, cmd, t, fd);
	err = mst_port_config(port, &req, NULL);
	if (err != 0) {
		fprintf(stderr, "mstest: churn cycle %u: %s %s\n", cycle,
			cmd == MS_CMD_BIND ? "BIND" : "UNBIND", errno_name(err));
		exit(1);
	}
}

/*
 * n cycles of: open the port, binds BIND/UNBIND pairs (each BIND hands a fresh socket to the
 * kernel, each UNBIND lets it go), BIND once more every other cycle (left for the port's
 * close to clean up), close the port.
 */
static void churn(unsigned n, unsigned binds, const char *port_name, char **targs)
{
	struct tuple t = parse_tuple(targs);

	for (unsigned i = 0; i < n; i++) {
		struct mst_open how = { .exclusive = 1, .rings = MST_RINGS_ALL };
		struct mst_port *port = mst_port_open(port_name, &how);
		unsigned total = binds + (i & 1);

		if (port == NULL)
			die("churn: cannot open the port");
		for (unsigned b = 0; b < total; b++) {
			int fd = open_socket(&t, &default_sock_opts);

			if (fd < 0)
				die("churn: cannot bind the socket: its port was not let go");
			churn_request(port, MS_CMD_BIND, &t, fd, i);
			if (b < binds)
				churn_request(port, MS_CMD_UNBIND, &t, fd, i);
		}
		mst_port_close(port);
	}
	printf("churn: %u cycles of %u BIND/UNBIND pairs on %s\n", n, binds, port_name);
}

/*
 * bindmany FAMILY PROTO ADDR FIRST COUNT: COUNT registrations on the current port, each
 * proven by a fresh socket bound to the next port from FIRST on (BIND takes it over).
 */
static void bind_many(struct state *st, char **targs, unsigned count)
{
	struct tuple t = parse_tuple(targs);
	uint16_t first = t.port;

	need_port(st);
	for (unsigned i = 0; i < count; i++) {
		struct ms_req req;
		int fd, err;

		t.port = (uint16_t) (first + i);
		fd = open_socket(&t, &default_sock_opts);
		if (fd < 0) {
			fprintf(stderr, "mstest: bindmany: port %u: %s\n", t.port, strerror(-fd));
			exit(1);
		}
		fill_req(&req, MS_CMD_BIND, &t, fd);
		err = mst_port_config(st->port, &req, NULL);
		if (err != 0) {
			fprintf(stderr, "mstest: bindmany: BIND of port %u: %s\n", t.port,
				errno_name(err));
			exit(1);
		}
	}
	printf("bindmany: %u registrations on %s, ports %u to %u\n", count, st->port_name, first,
	       (unsigned) (first + count - 1));
}

/* Sends msg in a UDP datagram to addr:port and waits for the same bytes back. */
static int ask(const char *addr, uint16_t port, const char *msg, int timeout_ms)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	char buf[512];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

	if (fd < 0 || inet_pton(AF_INET, addr, &to.sin_addr) != 1)
		die("ask: bad address");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/*
	 * No UDP checksum: a veth peer leaves it to an offload that never happens once netmap's
	 * generic adapter copies the frame, and the receiver would drop the datagram.
	 */
	setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one));
	if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *) &to, sizeof(to)) < 0)
		die("ask: sendto");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n < 0) {
		printf("ask %s:%u: no answer within %d ms\n", addr, port, timeout_ms);
		return 1;
	}
	buf[n] = '\0';
	printf("ask %s:%u: sent '%s', got '%s'\n", addr, port, msg, buf);
	return strcmp(buf, msg) != 0;
}

/* Answers count datagrams on the current socket (a kernel UDP echo), then returns. */
static void kernel_echo(struct state *st, unsigned count)
{
	char buf[512];

	if (st->sock < 0)
		die("kecho: no current socket: use 'sock' first");
	for (unsigned i = 0; i < count; i++) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		ssize_t n =
		    recvfrom(st->sock, buf, sizeof(buf), 0, (struct sockaddr *) &from, &len);

		if (n < 0 ||
		    sendto(st->sock, buf, (size_t) n, 0, (struct sockaddr *) &from, len) < 0)
			die("kecho: recvfrom/sendto");
	}
	printf("kecho: answered %u datagrams\n", count);
}

/*
 * Turns off checksum and segmentation offloads on ifname, as netmap's host-stack ports
 * need: a frame copied through the switch never gets the checksum an offload would add.
 */
static void offloads_off(const char *ifname)
{
	static const uint32_t cmds[] = { ETHTOOL_STXCSUM, ETHTOOL_SRXCSUM, ETHTOOL_STSO,
					 ETHTOOL_SGSO, ETHTOOL_SGRO };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct ethtool_value ev = { .cmd = cmds[i], .data = 0 };
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ifr.ifr_data = (void *) &ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
			printf("offloads of %s: command %#x: %s\n", ifname, cmds[i],
			       strerror(errno));
	}
	close(fd);
	printf("offloads of %s turned off\n", ifname);
}

static void print_frame(const uint8_t *frame, size_t len, void *arg)
{
	(void) arg;
	printf("  rx %zu bytes:", len);
	for (size_t i = 0; i < len && i < 48; i++)
		printf(" %02x", frame[i]);
	printf("\n");
}

/* expect=NAME at the end of an operation: 0 for OK, or the errno value. */
static int option_expect(const char *arg, int *expect)
{
	if (strncmp(arg, "expect=", 7) != 0)
		return 0;
	*expect = parse_errno(arg + 7);
	return 1;
}

/* An operation's result against the one expected: prints it, exits when they differ. */
static void expect_result(const char *what, int err, int expect)
{
	printf("%s: %s\n", what, errno_name(err));
	if (err != expect) {
		fprintf(stderr, "mstest: %s: expected %s, got %s\n", what, errno_name(expect),
			errno_name(err));
		exit(1);
	}
}

/* sock FAMILY PROTO ADDR PORT [freebind=1] [listen=0] [expect=ERR]; returns argv used. */
static int op_sock(struct state *st, int argc, char **argv)
{
	struct sock_opts o = default_sock_opts;
	struct tuple t;
	char what[160];
	int expect = 0, i = 4, fd;

	if (argc < 4)
		usage();
	t = parse_tuple(argv);
	for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
		if (strncmp(argv[i], "freebind=", 9) == 0)
			o.freebind = atoi(argv[i] + 9);
		else if (strncmp(argv[i], "listen=", 7) == 0)
			o.listen = atoi(argv[i] + 7);
		else if (strncmp(argv[i], "reuseport=", 10) == 0)
			o.reuseport = atoi(argv[i] + 10);
		else if (!option_expect(argv[i], &expect))
			usage();
	}
	fd = open_socket(&t, &o);
	snprintf(what, sizeof(what), "socket bound to %s %s %s %s%s", argv[0], argv[1], argv[2],
		 argv[3], o.freebind ? " (freebind)" : "");
	if (fd >= 0) {
		st->sock = fd;
		printf("socket fd=%d\n", fd);
	}
	expect_result(what, fd < 0 ? -fd : 0, expect);
	return i;
}

/* The same values as netmap's <net/netmap.h>, for both backends. */
#define MST_NR_REG_ALL_NIC   1
#define MST_NR_REG_NULL	     7
#define MST_NR_EXCLUSIVE     0x800
#define MST_NR_RX_RINGS_ONLY 0x2000
#define MST_NR_TX_RINGS_ONLY 0x4000

void mst_open_request(const struct mst_open *how, uint32_t *nr_mode, uint64_t *nr_flags)
{
	static const uint64_t only[] = {
		[MST_RINGS_ALL] = 0,
		[MST_RINGS_TX] = MST_NR_TX_RINGS_ONLY,
		[MST_RINGS_RX] = MST_NR_RX_RINGS_ONLY,
		[MST_RINGS_NONE] = MST_NR_TX_RINGS_ONLY | MST_NR_RX_RINGS_ONLY,
		[MST_RINGS_NULL] = 0,
	};

	*nr_mode = how->rings == MST_RINGS_NULL ? MST_NR_REG_NULL : MST_NR_REG_ALL_NIC;
	*nr_flags = only[how->rings] | (how->exclusive ? MST_NR_EXCLUSIVE : 0);
}

static const char *const ring_names[] = {
	[MST_RINGS_ALL] = "all",   [MST_RINGS_TX] = "tx",     [MST_RINGS_RX] = "rx",
	[MST_RINGS_NONE] = "none", [MST_RINGS_NULL] = "null",
};

/* port NAME [excl=0|1] [rings=all|tx|rx|none|null] [expect=ERR]; returns argv used. */
static int op_port(struct state *st, int argc, char **argv)
{
	struct mst_open how = { .exclusive = 1, .rings = MST_RINGS_ALL };
	struct mst_port *port;
	char what[160];
	int expect = 0, i = 1, slot = 0;

	if (argc < 1)
		usage();
	for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
		if (strncmp(argv[i], "excl=", 5) == 0)
			how.exclusive = atoi(argv[i] + 5);
		else if (strncmp(argv[i], "rings=", 6) == 0) {
			unsigned r = 0;

			while (r < MST_RINGS_NULL + 1 && strcmp(argv[i] + 6, ring_names[r]) != 0)
				r++;
			if (r > MST_RINGS_NULL)
				usage();
			how.rings = (enum mst_rings) r;
		} else if (!option_expect(argv[i], &expect))
			usage();
	}
	while (slot < MAX_PORTS && st->ports[slot] != NULL)
		slot++;
	if (slot == MAX_PORTS)
		die("too many ports");
	port = mst_port_open(argv[0], &how);
	snprintf(what, sizeof(what), "open port %s (%s, rings %s)", argv[0],
		 how.exclusive ? "NR_EXCLUSIVE" : "shared", ring_names[how.rings]);
	if (port != NULL) {
		st->port_name = st->port_names[slot] = argv[0];
		st->port = st->ports[slot] = port;
	}
	expect_result(what, port == NULL ? errno : 0, expect);
	return i;
}

/* Makes the current port fd (a netmap fd from elsewhere) the port named name. */
static void adopt_port(struct state *st, int fd, const char *name)
{
	int slot = 0;

	while (slot < MAX_PORTS && st->ports[slot] != NULL)
		slot++;
	if (slot == MAX_PORTS)
		die("too many ports");
	st->port = st->ports[slot] = mst_port_adopt(fd, name);
	if (st->port == NULL)
		die("adopt: out of memory");
	st->port_name = st->port_names[slot] = name;
}

/* connect ADDR PORT | disconnect, on the current socket; returns argv used. */
static int op_connect(struct state *st, int disconnect, int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int expect = 0, i = disconnect ? 0 : 2, err = 0;

	if (argc < i)
		usage();
	for (; i < argc && strncmp(argv[i], "expect=", 7) == 0; i++)
		option_expect(argv[i], &expect);
	memset(&ss, 0, sizeof(ss));
	if (disconnect) {
		ss.ss_family = AF_UNSPEC;
		len = sizeof(struct sockaddr);
	} else if (getsockname(st->sock, (struct sockaddr *) &ss, &len) < 0) {
		err = errno;
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

		sin->sin_port = htons((uint16_t) atoi(argv[1]));
		if (inet_pton(AF_INET, argv[0], &sin->sin_addr) != 1)
			die("connect: bad address");
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

		sin6->sin6_port = htons((uint16_t) atoi(argv[1]));
		if (inet_pton(AF_INET6, argv[0], &sin6->sin6_addr) != 1)
			die("connect: bad address");
	}
	if (err == 0 && connect(st->sock, (struct sockaddr *) &ss, len) < 0)
		err = errno;
	expect_result(disconnect ? "connect(AF_UNSPEC)" : "connect", err, expect);
	return i;
}

static int make_ns_socket(void *arg)
{
	const struct tuple *t = arg;

	return open_socket(t, &default_sock_opts);
}

/* Keeps a copy of fd in a child until this process exits ("fork sharing"). */
static void fork_holder(int fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* not the console's pipe: the scenario waits for it to close */
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0); /* the parent went before the signal was armed */
		(void) fd;	  /* inherited, never closed */
		for (;;)
			pause();
	}
	printf("socket fd=%d shared with child %d\n", fd, (int) pid);
}

/*
 * A copy of another process's fd (pidfd_getfd): the very file, so a netmap
 * fd that process registered NR_EXCLUSIVE proves its port here too (the
 * benchmark registers tuples for a pkt-gen that cannot ask by itself).
 */
static int grab_fd(int pid, int fd)
{
	int pidfd = (int) syscall(SYS_pidfd_open, pid, 0), copy;

	if (pidfd < 0)
		return -errno;
	copy = (int) syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (copy < 0)
		copy = -errno;
	close(pidfd);
	return copy;
}

/* Puts a copy of fd in flight: sent on a unix socket nobody reads. */
static void put_in_flight(int fd)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		die("socketpair");
	if (mst_send_fd(sv[0], fd) != 0)
		die("sendmsg");
	printf("socket fd=%d in flight\n", fd); /* sv stays open: the message stays queued */
}

/* Where the frames of "write" go, and the first error. */
struct writer {
	struct mst_port *port;
	unsigned written;
	int err;
};

static int write_one(const uint8_t *frame, size_t len, void *arg)
{
	struct writer *w = arg;

	if (w->err == 0)
		w->err = mst_port_write(w->port, frame, len);
	if (w->err == 0)
		w->written++;
	return 0;
}

/* write FILE [expect=ERR]; returns argv used. */
static int op_write(struct state *st, int argc, char **argv)
{
	struct writer w = { .port = st->port };
	struct frames f;
	char what[160];
	int expect = 0, i = 1;

	if (argc < 1)
		usage();
	for (; i < argc && strchr(argv[i], '=') != NULL; i++)
		if (!option_expect(argv[i], &expect))
			usage();
	need_port(st);
	w.port = st->port;
	f = read_frames(argv[0]);
	each_frame(&f, write_one, &w);
	free(f.buf);
	snprintf(what, sizeof(what), "write %s on %s: %u frames written", argv[0], st->port_name,
		 w.written);
	expect_result(what, w.err, expect);
	return i;
}

/* The UDP destination port of an IPv4 frame, or -1. */
static int udp4_dst_port(const uint8_t *f, size_t len)
{
	size_t ihl;

	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || f[14 + 9] != IPPROTO_UDP)
		return -1;
	ihl = (size_t) (f[14] & 0x0f) * 4;
	if (ihl < 20 || len < 14 + ihl + 8)
		return -1;
	return f[14 + ihl + 2] << 8 | f[14 + ihl + 3];
}

/* read TIMEOUT_MS [udp=PORT] [expect=ERR]; returns argv used. */
static int op_read(struct state *st, int argc, char **argv)
{
	int timeout = atoi(argv[0]), expect = 0, udp = -1, i = 1, err;
	unsigned skipped = 0;
	char what[160];

	for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
		if (strncmp(argv[i], "udp=", 4) == 0)
			udp = atoi(argv[i] + 4);
		else if (!option_expect(argv[i], &expect))
			usage();
	}
	need_port(st);
	for (;;) {
		err =
		    mst_port_read(st->port, st->frame, sizeof(st->frame), timeout, &st->frame_len);
		if (err != 0 || udp < 0 || udp4_dst_port(st->frame, st->frame_len) == udp)
			break;
		skipped++;
	}
	if (err == 0)
		print_frame(st->frame, st->frame_len, NULL);
	snprintf(what, sizeof(what), "read on %s (%u other frames skipped)", st->port_name,
		 skipped);
	expect_result(what, err, expect);
	return i;
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint8_t t = a[k];

		a[k] = b[k];
		b[k] = t;
	}
}

/* reply: the frame "read" took goes back where it came from; its checksums stay right. */
static void op_reply(struct state *st)
{
	uint8_t *f = st->frame;
	size_t ihl;
	int err;

	need_port(st);
	if (udp4_dst_port(f, st->frame_len) < 0)
		die("reply: the last frame read is no IPv4 UDP frame");
	ihl = (size_t) (f[14] & 0x0f) * 4;
	swap_bytes(f, f + 6, 6);		       /* Ethernet */
	swap_bytes(f + 14 + 12, f + 14 + 16, 4);       /* IPv4 */
	swap_bytes(f + 14 + ihl, f + 14 + ihl + 2, 2); /* UDP */
	err = mst_port_write(st->port, f, st->frame_len);
	expect_result("reply written", err, 0);
}

/* krecv TIMEOUT_MS expect=N [text=STR]: stops at the Nth datagram; returns argv used. */
static int op_krecv(struct state *st, int argc, char **argv)
{
	struct timeval tv = { .tv_sec = atoi(argv[0]) / 1000,
			      .tv_usec = (atoi(argv[0]) % 1000) * 1000 };
	const char *text = NULL;
	int want = -1, got = 0, i = 1;
	char buf[512];
	ssize_t n;

	for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
		if (strncmp(argv[i], "expect=", 7) == 0)
			want = atoi(argv[i] + 7);
		else if (strncmp(argv[i], "text=", 5) == 0)
			text = argv[i] + 5;
		else
			usage();
	}
	if (st->sock < 0 || want < 0)
		usage();
	setsockopt(st->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < want && (n = recv(st->sock, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[n] = '\0';
		printf("krecv: datagram '%s'\n", buf);
		got++;
		if (text != NULL && strcmp(buf, text) != 0) {
			fprintf(stderr, "mstest: krecv: expected '%s'\n", text);
			exit(1);
		}
	}
	printf("krecv: %d datagrams, wanted %d\n", got, want);
	if (got != want)
		exit(1);
	return i;
}

int main(int argc, char **argv)
{
	struct state st = {
		.sock = -1, .dup = -1, .port_name = "", .nic = { .packet_fd = -1 }, .nic_name = ""
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage();
	for (int i = 1; i < argc;) {
		const char *op = argv[i++];
		int left = argc - i;

		if (strcmp(op, "sock") == 0 && left >= 4) {
			i += op_sock(&st, left, argv + i);
		} else if (strcmp(op, "close-sock") == 0) {
			printf("socket fd=%d closed\n", st.sock);
			close(st.sock);
			st.sock = -1;
		} else if (strcmp(op, "port") == 0 && left >= 1) {
			i += op_port(&st, left, argv + i);
		} else if (strcmp(op, "use") == 0 && left >= 1) {
			int slot = 0;

			while (slot < MAX_PORTS &&
			       !(st.ports[slot] && strcmp(st.port_names[slot], argv[i]) == 0))
				slot++;
			if (slot == MAX_PORTS)
				die("use: no such open port");
			st.port = st.ports[slot];
			st.port_name = st.port_names[slot];
			i++;
		} else if (strcmp(op, "close-port") == 0) {
			need_port(&st);
			for (int slot = 0; slot < MAX_PORTS; slot++)
				if (st.ports[slot] == st.port)
					st.ports[slot] = NULL;
			mst_port_close(st.port);
			printf("port %s closed\n", st.port_name);
			st.port = NULL;
		} else if ((strcmp(op, "bind") == 0 || strcmp(op, "unbind") == 0 ||
			    strcmp(op, "query") == 0)) {
			uint8_t cmd = op[0] == 'b'   ? MS_CMD_BIND
				      : op[0] == 'u' ? MS_CMD_UNBIND
						     : MS_CMD_QUERY;

			i += op_request(&st, cmd, argc - i, argv + i);
		} else if (strcmp(op, "setuid") == 0 && left >= 1) {
			if (mst_become_user((unsigned) atoi(argv[i++])) != 0)
				die("setuid");
			printf("now uid %u\n", (unsigned) getuid());
		} else if (strcmp(op, "unshare") == 0) {
			int err = mst_unshare_net();

			if (err != 0) {
				fprintf(stderr, "mstest: unshare: %s\n", strerror(err));
				return 1;
			}
			printf("own user + network namespace (uid %u there)\n",
			       (unsigned) getuid());
		} else if ((strcmp(op, "connect") == 0 && left >= 2) ||
			   strcmp(op, "disconnect") == 0) {
			i += op_connect(&st, op[0] == 'd', left, argv + i);
		} else if (strcmp(op, "dup") == 0) {
			st.dup = dup(st.sock);
			printf("socket fd=%d duplicated as fd=%d\n", st.sock, st.dup);
		} else if (strcmp(op, "close-dup") == 0) {
			printf("duplicate fd=%d closed\n", st.dup);
			close(st.dup);
			st.dup = -1;
		} else if (strcmp(op, "fork-hold") == 0) {
			fork_holder(st.sock);
		} else if (strcmp(op, "inflight") == 0) {
			put_in_flight(st.sock);
		} else if (strcmp(op, "sockname") == 0 && left >= 1) {
			struct sockaddr_storage ss;
			socklen_t len = sizeof(ss);
			int expect = 0;

			if (!option_expect(argv[i++], &expect))
				usage();
			expect_result(
			    "getsockname on the socket's old fd",
			    getsockname(st.sock, (struct sockaddr *) &ss, &len) < 0 ? errno : 0,
			    expect);
		} else if (strcmp(op, "give") == 0 && left >= 1) {
			const char *path = argv[i++], *what = "sock";
			int count = 1, fd, err = 0;

			for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
				if (strncmp(argv[i], "what=", 5) == 0)
					what = argv[i] + 5;
				else if (strncmp(argv[i], "count=", 6) == 0)
					count = atoi(argv[i] + 6);
				else
					usage();
			}
			if (strcmp(what, "port") == 0) {
				need_port(&st);
				fd = mst_port_fd(st.port);
			} else if (strcmp(what, "nic") == 0) {
				if (st.nic.port == NULL)
					die("give what=nic: no NIC attached here");
				fd = mst_port_fd(st.nic.port);
			} else {
				fd = st.sock;
			}
			/* count=0: to every process that asks, until killed */
			for (int n = 0; err == 0 && (count == 0 || n < count); n++)
				err = mst_give_fd(path, fd);
			printf("gave the %s over %s: %s\n", what, path, errno_name(err));
			if (err != 0)
				return 1;
		} else if (strcmp(op, "take") == 0 && left >= 1) {
			const char *path = argv[i++], *as_port = NULL, *as_nic = NULL;
			int fd;

			if (i < argc && strncmp(argv[i], "port=", 5) == 0)
				as_port = argv[i++] + 5;
			else if (i < argc && strncmp(argv[i], "nic=", 4) == 0)
				as_nic = argv[i++] + 4;
			fd = mst_take_fd(path, 20000);
			if (fd < 0) {
				fprintf(stderr, "mstest: take %s: %s\n", path, strerror(-fd));
				return 1;
			}
			if (as_nic !=
			    NULL) { /* the double's NIC fd: frames "from the NIC" go through it */
				st.nic_name = as_nic;
				st.nic.port = mst_port_adopt(fd, as_nic);
			} else if (as_port != NULL) {
				adopt_port(&st, fd, as_port);
			} else {
				st.sock = fd;
			}
			printf("took fd=%d over %s as %s\n", fd, path,
			       as_nic	 ? "the NIC"
			       : as_port ? as_port
					 : "the socket");
		} else if (strcmp(op, "grab") == 0 && left >= 3) {
			int fd = grab_fd(atoi(argv[i]), atoi(argv[i + 1]));

			if (fd < 0) {
				fprintf(stderr, "mstest: grab %s %s: %s\n", argv[i], argv[i + 1],
					strerror(-fd));
				return 1;
			}
			adopt_port(&st, fd, argv[i + 2]);
			printf("grabbed fd %s of pid %s as port %s\n", argv[i + 1], argv[i],
			       argv[i + 2]);
			i += 3;
		} else if (strcmp(op, "rawsock") == 0 && left >= 3) {
			char *targs[] = { argv[i], argv[i + 1], argv[i + 2], "0" };
			struct tuple t = parse_tuple(targs);

			st.sock = open_raw_socket(&t);
			if (st.sock < 0) {
				fprintf(stderr, "mstest: raw socket: %s\n", strerror(-st.sock));
				return 1;
			}
			printf("raw socket fd=%d of protocol %s bound to %s\n", st.sock,
			       argv[i + 1], argv[i + 2]);
			i += 3;
		} else if (strcmp(op, "save-port") == 0 && left >= 1) {
			FILE *fp = fopen(argv[i], "w");

			if (fp == NULL || fprintf(fp, "%u\n", socket_port(st.sock)) < 0 ||
			    fclose(fp) != 0)
				die("save-port");
			printf("socket fd=%d has port %u\n", st.sock, socket_port(st.sock));
			i++;
		} else if (strcmp(op, "bare") == 0 && left >= 1) {
			int fd = open("/dev/netmap", O_RDWR);

			if (fd < 0)
				die("open /dev/netmap");
			adopt_port(&st, fd, argv[i]);
			printf("/dev/netmap fd=%d registered nowhere, requests name %s\n", fd,
			       argv[i]);
			i++;
		} else if (strcmp(op, "nssock") == 0 && left >= 4) {
			struct tuple t = parse_tuple(argv + i);
			int fd = mst_in_new_netns(make_ns_socket, &t);

			if (fd < 0) {
				fprintf(stderr, "mstest: nssock: %s\n", strerror(-fd));
				return 1;
			}
			st.sock = fd;
			printf("socket fd=%d bound to %s %s %s %s in another network namespace\n",
			       fd, argv[i], argv[i + 1], argv[i + 2], argv[i + 3]);
			i += 4;
		} else if (strcmp(op, "ready") == 0 && left >= 1) {
			int fd = open(argv[i++], O_CREAT | O_WRONLY, 0644);

			if (fd >= 0)
				close(fd);
		} else if (strcmp(op, "pause") == 0) {
			for (;;)
				pause();
		} else if (strcmp(op, "sleep") == 0 && left >= 1) {
			usleep((useconds_t) atoi(argv[i++]) * 1000);
		} else if (strcmp(op, "nic") == 0 && left >= 1) {
			const char *via = left >= 2 && strncmp(argv[i + 1], "via=", 4) == 0
					      ? argv[i + 1] + 4
					      : "";
			int with_host = 1;

			st.nic_name = argv[i];
			i += via[0] ? 2 : 1;
			if (i < argc && strncmp(argv[i], "host=", 5) == 0)
				with_host = atoi(argv[i++] + 5);
			st.nic.port = mst_nic_open(st.nic_name, with_host);
			if (st.nic.port != NULL) {
				printf("NIC %s attached %s its host stack\n", st.nic_name,
				       with_host ? "with" : "without");
			} else if (errno == EOPNOTSUPP && strchr(via, '/') != NULL) {
				char netns[64];

				snprintf(netns, sizeof(netns), "%.*s",
					 (int) (strchr(via, '/') - via), via);
				st.nic.packet_fd =
				    open_packet_socket(netns, strchr(via, '/') + 1, &st.nic.ll);
				printf("NIC %s: frames enter through %s\n", st.nic_name, via);
			} else {
				fprintf(stderr, "mstest: NIC %s: %s\n", st.nic_name,
					strerror(errno));
				return 1;
			}
		} else if ((strcmp(op, "fromnic") == 0 || strcmp(op, "fromhost") == 0 ||
			    strcmp(op, "send") == 0) &&
			   left >= 1) {
			i += op_send(&st, op, left, argv + i);
		} else if (strcmp(op, "sh") == 0 && left >= 1) {
			int rc;

			printf("+ %s\n", argv[i]);
			rc = system(argv[i++]);
			if (rc != 0) {
				fprintf(stderr, "mstest: '%s' exited with %d\n", argv[i - 1], rc);
				return 1;
			}
		} else if (strcmp(op, "recv") == 0 && left >= 2) {
			int timeout = atoi(argv[i]);
			const char *want = argv[i + 1];
			int n;

			need_port(&st);
			n = mst_port_recv(st.port, timeout, print_frame, NULL);
			i += 2;
			if (n < 0) {
				printf("recv on %s: the %s backend has no rings; skipped\n",
				       st.port_name, mst_backend);
				continue;
			}
			printf("received %d frames on %s\n", n, st.port_name);
			if ((strncmp(want, "expect=", 7) == 0 && n != atoi(want + 7)) ||
			    (strncmp(want, "min=", 4) == 0 && n < atoi(want + 4))) {
				fprintf(stderr, "mstest: wanted %s frames\n", want);
				return 1;
			}
		} else if (strcmp(op, "bindmany") == 0 && left >= 5) {
			bind_many(&st, argv + i, (unsigned) atoi(argv[i + 4]));
			i += 5;
		} else if (strcmp(op, "burst") == 0 && left >= 1) {
			i += op_burst(&st, left, argv + i);
		} else if (strcmp(op, "write") == 0 && left >= 1) {
			i += op_write(&st, left, argv + i);
		} else if (strcmp(op, "read") == 0 && left >= 1) {
			i += op_read(&st, left, argv + i);
		} else if (strcmp(op, "reply") == 0) {
			op_reply(&st);
		} else if (strcmp(op, "krecv") == 0 && left >= 1) {
			i += op_krecv(&st, left, argv + i);
		} else if (strcmp(op, "ask") == 0 && left >= 4) {
			if (ask(argv[i], (uint16_t) atoi(argv[i + 1]), argv[i + 2],
				atoi(argv[i + 3])) != 0)
				return 1;
			i += 4;
		} else if (strcmp(op, "kecho") == 0 && left >= 1) {
			kernel_echo(&st, (unsigned) atoi(argv[i++]));
		} else if (strcmp(op, "offloads-off") == 0 && left >= 1) {
			offloads_off(argv[i++]);
		} else if (strcmp(op, "churn") == 0 && left >= 7) {
			churn((unsigned) atoi(argv[i]), (unsigned) atoi(argv[i + 1]), argv[i + 2],
			      argv + i + 3);
			i += 7;
		} else {
			usage();
		}
	}
	return 0;
}
