// SPDX-License-Identifier: BSD-2-Clause
/*
 * Ownership proof for BIND (docs/design.md, "Isolation model"): the caller
 * holds, in its own file table, a TCP, UDP, UDP-Lite or SCTP socket of the
 * tuple's family and protocol, created in the switch's network namespace
 * (the initial one), bound to the tuple's port and to its address or the
 * wildcard.  A wildcard tuple needs a wildcard socket; an exact tuple's
 * address must be local.  TCP must be listening or merely bound, because a
 * connection can be reset away and take its port with it.
 *
 * The proof is then handed over: the caller's descriptor is closed and the
 * registration keeps the only reference, so nobody can connect, disconnect,
 * rebind or share the socket while the tuple is registered.
 */
#include <linux/errno.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <net/addrconf.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "ms_linux.h"

static bool ms_tuple_is_wildcard(const struct ms_tuple *tuple)
{
	static const uint8_t zero[16];

	return memcmp(tuple->addr, zero, sizeof(zero)) == 0;
}

static bool ms_addr_matches(const struct sock *sk, const struct ms_tuple *tuple)
{
	bool wildcard = ms_tuple_is_wildcard(tuple);

	if (tuple->family == MS_FAMILY_INET) {
		__be32 bound = sk->sk_rcv_saddr;

		if (bound == 0)
			return true;
		return !wildcard && memcmp(&bound, tuple->addr, 4) == 0;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (ipv6_addr_any(&sk->sk_v6_rcv_saddr))
		return true;
	return !wildcard && memcmp(&sk->sk_v6_rcv_saddr, tuple->addr, 16) == 0;
#else
	return false;
#endif
}

static bool ms_sock_matches(struct socket *sock, const struct ms_tuple *tuple)
{
	const struct sock *sk = sock->sk;
	int family = tuple->family == MS_FAMILY_INET ? AF_INET : AF_INET6;

	if (!sk || sk->sk_family != family || sk->sk_protocol != tuple->proto)
		return false;
	/* A raw socket can carry any protocol number and holds no port. */
	if (sk->sk_type != SOCK_STREAM && sk->sk_type != SOCK_DGRAM &&
	    sk->sk_type != SOCK_SEQPACKET)
		return false;
	if (!net_eq(sock_net(sk), &init_net))
		return false;
	if (tuple->proto == MS_PROTO_TCP && sk->sk_state != TCP_LISTEN && sk->sk_state != TCP_CLOSE)
		return false;
	/* inet_num is the bound local port in host order, 0 while unbound. */
	if (inet_sk(sk)->inet_num == 0 || inet_sk(sk)->inet_num != tuple->port)
		return false;
	return ms_addr_matches(sk, tuple);
}

static bool ms_addr_is_local(const struct ms_tuple *tuple)
{
	if (tuple->family == MS_FAMILY_INET) {
		__be32 addr;

		memcpy(&addr, tuple->addr, sizeof(addr));
		return inet_addr_type(&init_net, addr) == RTN_LOCAL;
	}
#if IS_ENABLED(CONFIG_IPV6)
	return ipv6_chk_addr(&init_net, (const struct in6_addr *) tuple->addr, NULL, 0) != 0;
#else
	return false;
#endif
}

struct ms_sock_search {
	const struct ms_tuple *tuple;
};

/* Runs under the file table's lock: reads only. */
static int ms_sock_visit(const void *arg, struct file *file, unsigned fd)
{
	const struct ms_sock_search *search = arg;
	struct socket *sock = ms_compat_sock_from_file(file);

	return sock && ms_sock_matches(sock, search->tuple) ? (int) fd + 1 : 0;
}

int ms_sock_take(const struct ms_tuple *tuple, int fd, struct file **out, int *fd_out)
{
	struct socket *sock;
	struct file *file;
	bool matches;

	*out = NULL;
	if (fd == MS_REQ_FD_SEARCH) {
		struct ms_sock_search search = { .tuple = tuple };

		fd = iterate_fd(current->files, 0, ms_sock_visit, &search) - 1;
		if (fd < 0)
			return EPERM;
	}
	if (fd < 0)
		return EINVAL;
	file = fget(fd);
	if (!file)
		return EPERM;
	sock = ms_compat_sock_from_file(file);
	matches = false;
	if (sock && sock->sk) {
		lock_sock(sock->sk);
		matches = ms_sock_matches(sock, tuple);
		release_sock(sock->sk);
	}
	if (!matches) {
		fput(file);
		return EPERM;
	}
	if (!ms_tuple_is_wildcard(tuple) && !ms_addr_is_local(tuple)) {
		fput(file);
		return EADDRNOTAVAIL;
	}
	/* Ours and the caller's one descriptor: no dup, no fork sharing, nothing in flight. */
	if (file_count(file) != 2) {
		fput(file);
		return EBUSY;
	}
	*out = file;
	*fd_out = fd;
	return 0;
}

int ms_sock_hand_over(struct file *file, int fd)
{
	int err = ms_compat_close_fd(fd);

	if (err)
		return EBUSY;
	/* Another holder appeared since ms_sock_take(), or fd named another file by now. */
	return file_count(file) == 1 ? 0 : EBUSY;
}
