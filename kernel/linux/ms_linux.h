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
#include "multistack/ms_request.h"

struct file;
struct seq_file;

#define MS_PORT_NAME_LEN 16 /* as out_owner_port in struct ms_req */

/* The glue's data for one registration (the core's cookie). */
struct ms_owner {
	struct file *sock_file; /* holds the socket, and so its port, while registered */
	int fd;			/* the caller's descriptor, closed when BIND hands it over */
	pid_t pid;
	kuid_t uid;
	char port[MS_PORT_NAME_LEN]; /* the owner's port name without the switch prefix */
};

/* The one classifier of this module; lookups read it under RCU. */
extern struct ms_core *ms_linux_core;
/* The request path in front of it (common/ms_request.c). */
extern struct ms_requests *ms_linux_requests;
extern char *ms_switch_name;
extern unsigned int ms_max_registrations;
extern unsigned int ms_max_per_port;

/*
 * ms_sock.c: the caller's socket proving ownership of the tuple, referenced,
 * with the descriptor it was found at; or an errno.  Then, once registered,
 * the caller's descriptor is closed so that the registration holds the only
 * reference (EBUSY if another holder appeared).
 */
int ms_sock_take(const struct ms_tuple *tuple, int fd, struct file **out, int *fd_out);
int ms_sock_hand_over(struct file *file, int fd);

/* ms_owner.c */
struct ms_owner *ms_owner_new(struct file *sock_file, int fd, const char *port);
void ms_owner_release(void *cookie, void *arg);
void ms_owner_describe(const void *cookie, uint32_t *pid, char *port);

/* ms_netmap.c: the switch of the initial network namespace, taken over and given back. */
int ms_netmap_attach(void);
void ms_netmap_detach(void);
const struct ms_request_host *ms_linux_request_host(void);

/* ms_proc.c */
int ms_proc_init(void);
void ms_proc_fini(void);

/* ms_os_linux.c: waits until every deferred free has run. */
void ms_os_linux_drain(void);

/* ms_compat.c: kernel API differences, one wrapper each. */
struct socket *ms_compat_sock_from_file(struct file *file);
int ms_compat_close_fd(int fd);
u64 ms_compat_random_u64(void);

#endif
