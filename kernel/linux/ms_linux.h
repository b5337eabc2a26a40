/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the files of the Linux module share.  Only ms_netmap.c includes
 * netmap's headers; the rest sees switch ports as indexes and names.
 */
#ifndef MULTISTACK_MS_LINUX_H
#define MULTISTACK_MS_LINUX_H

#include <linux/types.h>
#include <linux/uidgid.h>

#include "multistack/ms_core.h"

struct file;
struct seq_file;

#define MS_PORT_NAME_LEN 16 /* as out_owner_port in struct ms_req */

/* The glue's data for one registration (the core's cookie). */
struct ms_owner {
	struct file *sock_file; /* holds the socket, and so its port, while registered */
	pid_t pid;
	uid_t uid;
	char port[MS_PORT_NAME_LEN]; /* the owner's port name without the switch prefix */
};

/* The one classifier of this module; lookups read it under RCU. */
extern struct ms_core *ms_linux_core;
extern char *ms_switch_name;

/* ms_errno.c: the one place core status codes become errno values. */
int ms_status_errno(enum ms_status status);

/* ms_sock.c: a referenced socket file of the caller bound to the tuple, or an errno. */
int ms_sock_find(const struct ms_tuple *tuple, int fd, struct file **out);

/* ms_owner.c */
struct ms_owner *ms_owner_new(struct file *sock_file, const char *port);
void ms_owner_release(void *cookie, void *arg);

/* ms_netmap.c */
int ms_netmap_attach(const char *switch_name);
void ms_netmap_detach(void);

/* ms_proc.c */
int ms_proc_init(void);
void ms_proc_fini(void);

/* ms_os_linux.c: waits until every deferred free has run. */
void ms_os_linux_drain(void);

/* ms_compat.c: kernel API differences, one wrapper each. */
struct socket *ms_compat_sock_from_file(struct file *file);
u64 ms_compat_random_u64(void);

#endif
