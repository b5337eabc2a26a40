/* SPDX-License-Identifier: BSD-2-Clause */
/* TEST DOUBLE of netmap's LINUX/bsd_glue.h: the kernel headers and lock macros used below. */
#ifndef NETMAP_DOUBLE_BSD_GLUE_H
#define NETMAP_DOUBLE_BSD_GLUE_H

#include <linux/if.h>
#include <linux/ioctl.h>
#include <linux/netdevice.h>
#include <linux/rwsem.h>
#include <linux/types.h>

#include "netmap_linux_config.h"

typedef struct net_device *if_t; /* as netmap's glue names a Linux interface */

#define BDG_RWLOCK_T   struct rw_semaphore
#define BDG_RLOCK(b)   down_read(&(b)->bdg_lock)
#define BDG_RUNLOCK(b) up_read(&(b)->bdg_lock)
#define BDG_WLOCK(b)   down_write(&(b)->bdg_lock)
#define BDG_WUNLOCK(b) up_write(&(b)->bdg_lock)

#endif
