// SPDX-License-Identifier: BSD-2-Clause
/*
 * Ownership proof for BIND: the caller must hold, in its own file table, a
 * socket of the requested protocol bound to the requested local port and to
 * the requested address or the wildcard.  Nothing here trusts a pointer from
 * userspace; a descriptor number is only looked up in current->files.
 */
#include <linux/errno.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "ms_linux.h"

static bool ms_addr_matches(const struct sock *sk, const struct ms_tuple *tuple)
{
	static const uint8_t zero[16];

	if (tuple->family == MS_FAMILY_INET) {
		__be32 bound = sk->sk_rcv_saddr;

		/* A wildcard socket covers any address; a specific one only itself. */
		if (bound == 0)
			return true;
		return memcmp(&bound, tuple->addr, 4) == 0 &&
		       memcmp(tuple->addr + 4, zero, 12) == 0;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (ipv6_addr_any(&sk->sk_v6_rcv_saddr))
		return true;
	return memcmp(&sk->sk_v6_rcv_saddr, tuple->addr, 16) == 0;
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
	/* inet_num is the bound local port in host order, 0 while unbound. */
	if (inet_sk(sk)->inet_num == 0 || inet_sk(sk)->inet_num != tuple->port)
		return false;
	return ms_addr_matches(sk, tuple);
}

struct ms_sock_search {
	const struct ms_tuple *tuple;
	struct file **found;
};

/* Runs under the file table's lock: takes a reference, nothing that sleeps. */
static int ms_sock_visit(const void *arg, struct file *file, unsigned fd)
{
	const struct ms_sock_search *search = arg;
	struct socket *sock = ms_compat_sock_from_file(file);

	if (!sock || !ms_sock_matches(sock, search->tuple))
		return 0;
	*search->found = get_file(file);
	return (int) fd + 1;
}

int ms_sock_find(const struct ms_tuple *tuple, int fd, struct file **out)
{
	struct socket *sock;
	struct file *file;

	*out = NULL;
	if (fd == -1) {
		struct ms_sock_search search = { .tuple = tuple, .found = out };

		if (!iterate_fd(current->files, 0, ms_sock_visit, &search))
			return EPERM;
		return 0;
	}
	if (fd < 0)
		return EINVAL;
	file = fget(fd);
	if (!file)
		return EPERM;
	sock = ms_compat_sock_from_file(file);
	if (!sock || !ms_sock_matches(sock, tuple)) {
		fput(file);
		return EPERM;
	}
	*out = file;
	return 0;
}
