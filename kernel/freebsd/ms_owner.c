/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Proof of ownership (docs/design.md, "Isolation model"): the caller must
 * hold, in its own descriptor table, a TCP, UDP, UDP-Lite or SCTP socket
 * (never a raw one) of the tuple's family and protocol, created in the
 * switch's network stack (vnet), bound to the tuple's local port and to its
 * address or the wildcard; a wildcard tuple needs a wildcard socket, an exact
 * tuple's address must be local, and TCP must be listening or merely bound
 * (a connection can be reset away and take its port with it).  The socket is
 * found through the caller's descriptors only, never through a system-wide
 * PCB lookup, and a visibility check such as cr_canseeinpcb() proves nothing
 * about ownership.  The caller's descriptor must be the socket's only holder
 * besides the reference taken here (no dup, no fork sharing, nothing in
 * flight): ms_handover.c then closes it, and the registration keeps the
 * socket, and the port it holds, for itself.
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
#include <sys/epoch.h>
#include <sys/file.h>
#include <sys/filedesc.h>
#include <sys/lock.h>
#include <sys/proc.h>
#include <sys/protosw.h>
#include <sys/refcount.h>
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

static bool ms_tuple_is_wildcard(const struct ms_tuple *tuple)
{
	return (memcmp(tuple->addr, ms_zero_addr, sizeof(tuple->addr)) == 0);
}

/* The socket is bound to the wildcard, or to the request's exact address. */
static bool ms_addr_covers(const void *sock_addr, const struct ms_tuple *tuple, size_t len)
{
	if (memcmp(sock_addr, ms_zero_addr, len) == 0)
		return (true);
	return (!ms_tuple_is_wildcard(tuple) && memcmp(sock_addr, tuple->addr, len) == 0);
}

static bool ms_inpcb_owns(struct inpcb *inp, const struct ms_tuple *tuple)
{
	bool owns = false;

	INP_RLOCK(inp);
	/* An unbound socket (local port 0) owns nothing, whatever the request says. */
	if ((inp->inp_flags & INP_DROPPED) != 0 || inp->inp_lport == 0 ||
	    ntohs(inp->inp_lport) != tuple->port)
		goto out;
	/* TCP: listening or bound, never connected (no foreign port yet). */
	if (tuple->proto == MS_PROTO_TCP && inp->inp_fport != 0)
		goto out;
	if (tuple->family == MS_FAMILY_INET)
		owns =
		    (inp->inp_vflag & INP_IPV4) != 0 && ms_addr_covers(&inp->inp_laddr, tuple, 4);
	else
		owns =
		    (inp->inp_vflag & INP_IPV6) != 0 && ms_addr_covers(&inp->in6p_laddr, tuple, 16);
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
	/* Bound to some addresses: proves exact tuples only. */
	if (ms_tuple_is_wildcard(tuple))
		goto out;
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
	/* A raw socket can carry any protocol number and holds no port. */
	if (so->so_type != SOCK_STREAM && so->so_type != SOCK_DGRAM &&
	    so->so_type != SOCK_SEQPACKET)
		return (false);
	/* A socket of another stack (a vnet jail's) proves nothing about the switch's. */
	if (!ms_vnet_is_switchs(so->so_vnet))
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
 * The address is one of the switch's stack.  netmap's ioctl runs with the
 * caller's vnet set (CURVNET_SET), and the caller's vnet is the switch's
 * (ms_port.c), so the lookups below read the right stack's addresses.
 */
static bool ms_addr_is_local(const struct ms_tuple *tuple)
{
	struct epoch_tracker et;
	bool local = false;

	NET_EPOCH_ENTER(et);
	if (tuple->family == MS_FAMILY_INET) {
		struct in_addr in;

		memcpy(&in, tuple->addr, sizeof(in));
		local = in_localip(in);
	} else {
		struct in6_addr in6;

		memcpy(&in6, tuple->addr, sizeof(in6));
		local = in6_localip(&in6) != 0;
	}
	NET_EPOCH_EXIT(et);
	return (local);
}

/*
 * MS_REQ_FD_SEARCH: every slot of the caller's table, each through fget(),
 * which checks the slot is still in use.  The table's size is read once;
 * descriptors opened past it meanwhile are not seen, which only fails the
 * request.
 */
static int ms_search_owner(struct thread *td, const struct ms_tuple *tuple, struct file **fpp,
			   int *fd_out)
{
	struct filedesc *fdp = td->td_proc->p_fd;
	int nfiles = atomic_load_int(&fdp->fd_files->fdt_nfiles);
	int fd;

	for (fd = 0; fd < nfiles; fd++) {
		if (ms_fd_owns(td, fd, tuple, fpp) == 0) {
			*fd_out = fd;
			return (0);
		}
	}
	return (EPERM);
}

int ms_owner_find_socket(struct thread *td, const struct ms_tuple *tuple, int fd, struct file **fpp,
			 int *fd_out)
{
	struct file *fp;
	int error;

	*fpp = NULL;
	if (fd == MS_REQ_FD_SEARCH)
		error = ms_search_owner(td, tuple, &fp, &fd);
	else
		error = ms_fd_owns(td, fd, tuple, &fp);
	if (error != 0)
		return (error);
	if (!ms_tuple_is_wildcard(tuple) && !ms_addr_is_local(tuple)) {
		ms_file_drop(fp);
		return (EADDRNOTAVAIL);
	}
	/* The caller's descriptor and our reference, nothing else. */
	if (refcount_load(&fp->f_count) != 2) {
		ms_file_drop(fp);
		return (EBUSY);
	}
	*fpp = fp;
	*fd_out = fd;
	return (0);
}
