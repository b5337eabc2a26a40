/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Proof of ownership: the caller must hold, in its own descriptor table, a
 * socket of the tuple's protocol bound to the tuple's local port and to its
 * address or to the wildcard address.  The socket is found through the
 * caller's descriptors only, never through a system-wide PCB lookup, and a
 * visibility check such as cr_canseeinpcb() proves nothing about ownership.
 * The file reference taken here is what keeps the port bound: the caller
 * keeps it for as long as the registration lives.
 *
 * Everything here runs under netmap's switch rwlock, so nothing may sleep:
 * fget() takes no sleepable lock on FreeBSD 13 and 14, and PCB locks are
 * rwlocks.
 */
#include "opt_sctp.h"

#include <sys/param.h>
#include <sys/systm.h>

#include <sys/capsicum.h>
#include <sys/domain.h>
#include <sys/file.h>
#include <sys/filedesc.h>
#include <sys/lock.h>
#include <sys/proc.h>
#include <sys/protosw.h>
#include <sys/rwlock.h>
#include <sys/socket.h>
#include <sys/socketvar.h>

/* After sys/socket.h: 15's netinet/in_pcb.h pulls in net/route.h, which needs sockaddr. */
#include <machine/atomic.h>
#include <netinet/in.h>
#include <netinet/in_pcb.h>
#ifdef SCTP
#include <netinet/sctp_pcb.h>
#endif

#include "ms_fbsd.h"
#include "multistack/ms_uapi.h"

static const uint8_t ms_zero_addr[16];

/* The socket's address matches the request's, or is the wildcard. */
static bool ms_addr_covers(const void *sock_addr, const uint8_t *want, size_t len)
{
	return (memcmp(sock_addr, ms_zero_addr, len) == 0 || memcmp(sock_addr, want, len) == 0);
}

static bool ms_inpcb_owns(struct inpcb *inp, const struct ms_tuple *tuple)
{
	bool owns = false;

	INP_RLOCK(inp);
	/* An unbound socket (local port 0) owns nothing, whatever the request says. */
	if ((inp->inp_flags & INP_DROPPED) != 0 || inp->inp_lport == 0 ||
	    ntohs(inp->inp_lport) != tuple->port)
		goto out;
	if (tuple->family == MS_FAMILY_INET)
		owns = (inp->inp_vflag & INP_IPV4) != 0 &&
		       ms_addr_covers(&inp->inp_laddr, tuple->addr, 4);
	else
		owns = (inp->inp_vflag & INP_IPV6) != 0 &&
		       ms_addr_covers(&inp->in6p_laddr, tuple->addr, 16);
out:
	INP_RUNLOCK(inp);
	return (owns);
}

#ifdef SCTP
static bool ms_sctp_owns(struct sctp_inpcb *inp, const struct ms_tuple *tuple)
{
	struct sctp_laddr *laddr;
	bool owns = false;

	SCTP_INP_RLOCK(inp);
	if ((inp->sctp_flags & SCTP_PCB_FLAGS_SOCKET_GONE) != 0 || inp->sctp_lport == 0 ||
	    ntohs(inp->sctp_lport) != tuple->port)
		goto out;
	if ((inp->sctp_flags & SCTP_PCB_FLAGS_BOUNDALL) != 0) {
		owns = true;
		goto out;
	}
	LIST_FOREACH (laddr, &inp->sctp_addr_list, sctp_nxt_addr) {
		const struct sockaddr *sa;

		if (laddr->ifa == NULL)
			continue;
		sa = &laddr->ifa->address.sa;
		if (tuple->family == MS_FAMILY_INET && sa->sa_family == AF_INET)
			owns = memcmp(&laddr->ifa->address.sin.sin_addr, tuple->addr, 4) == 0;
		else if (tuple->family == MS_FAMILY_INET6 && sa->sa_family == AF_INET6)
			owns = memcmp(&laddr->ifa->address.sin6.sin6_addr, tuple->addr, 16) == 0;
		if (owns)
			break;
	}
out:
	SCTP_INP_RUNLOCK(inp);
	return (owns);
}
#endif

/* Only sockets of the protocols whose so_pcb layout is known are looked into. */
static bool ms_socket_owns(struct socket *so, const struct ms_tuple *tuple)
{
	int family = so->so_proto->pr_domain->dom_family;
	int proto = so->so_proto->pr_protocol;

	/* As on Linux, the socket's own family: a dual-stack IPv6 socket proves no IPv4 tuple. */
	if (family != (tuple->family == MS_FAMILY_INET ? AF_INET : AF_INET6) ||
	    proto != tuple->proto || so->so_pcb == NULL)
		return (false);
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return (ms_inpcb_owns(sotoinpcb(so), tuple));
#ifdef SCTP
	case IPPROTO_SCTP:
		return (ms_sctp_owns((struct sctp_inpcb *) so->so_pcb, tuple));
#endif
	default:
		return (false);
	}
}

/* A referenced file if descriptor fd is a socket that owns the tuple. */
static int ms_fd_owns(struct thread *td, int fd, const struct ms_tuple *tuple, struct file **fpp)
{
	struct file *fp;

	if (fget(td, fd, &cap_getsockname_rights, &fp) != 0)
		return (EPERM);
	if (fp->f_type == DTYPE_SOCKET && ms_socket_owns(fp->f_data, tuple)) {
		*fpp = fp;
		return (0);
	}
	ms_file_drop(fp);
	return (EPERM);
}

/*
 * MS_REQ_FD_SEARCH: every slot of the caller's table, each through fget(),
 * which checks the slot is still in use.  The table's size is read once;
 * descriptors opened past it meanwhile are not seen, which only fails the
 * request.
 */
static int ms_search_owner(struct thread *td, const struct ms_tuple *tuple, struct file **fpp)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	int nfiles = atomic_load_int(&fdp->fd_files->fdt_nfiles);
	int fd;

	for (fd = 0; fd < nfiles; fd++) {
		if (ms_fd_owns(td, fd, tuple, fpp) == 0)
			return (0);
	}
	return (EPERM);
}

int ms_owner_find_socket(struct thread *td, const struct ms_tuple *tuple, int fd, struct file **fpp)
{
	if (fd == MS_REQ_FD_SEARCH)
		return (ms_search_owner(td, tuple, fpp));
	return (ms_fd_owns(td, fd, tuple, fpp));
}
