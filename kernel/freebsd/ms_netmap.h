/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netmap's kernel headers from the base system (sys/dev/netmap), in the order
 * they expect: they use these kernel types without including them, and
 * netmap_bdg.h needs netmap_kern.h first.  So the order is kept by hand.
 */
#ifndef MULTISTACK_MS_NETMAP_H
#define MULTISTACK_MS_NETMAP_H

/* clang-format off */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/conf.h>
#include <sys/lock.h>
#include <sys/malloc.h>
#include <sys/poll.h>
#include <sys/rwlock.h>
#include <sys/selinfo.h>
#include <sys/socket.h>
#include <sys/socketvar.h>
#include <sys/sockio.h>
#include <sys/sysctl.h>
#include <sys/refcount.h>
#include <sys/smp.h>
#include <sys/endian.h>
#include <net/if.h>
#include <net/if_var.h>
#include <net/bpf.h>
#include <machine/bus.h>

#include <net/netmap.h>
#include <net/netmap_legacy.h>
#include <dev/netmap/netmap_kern.h>
#include <dev/netmap/netmap_bdg.h>
/* clang-format on */

#endif /* MULTISTACK_MS_NETMAP_H */
