// SPDX-License-Identifier: BSD-2-Clause
/* The glue's record of one registration: who made it, and the socket it holds. */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ms_linux.h"

struct ms_owner *ms_owner_new(struct file *sock_file, int fd, const char *port)
{
	/* Charged to the caller's memory cgroup: registrations are its memory. */
	struct ms_owner *owner = kzalloc(sizeof(*owner), GFP_KERNEL_ACCOUNT);

	if (!owner)
		return NULL;
	owner->sock_file = sock_file;
	owner->fd = fd;
	owner->pid = task_tgid_nr(current);
	owner->uid = current_euid();
	strscpy(owner->port, port, sizeof(owner->port));
	return owner;
}

/* The release callback of the core: drops the socket, so its port can be reused. */
void ms_owner_release(void *cookie, void *arg)
{
	struct ms_owner *owner = cookie;

	(void) arg;
	if (!owner)
		return;
	if (owner->sock_file)
		fput(owner->sock_file);
	kfree(owner);
}

void ms_owner_describe(const void *cookie, uint32_t *pid, char *port)
{
	const struct ms_owner *owner = cookie;

	*pid = (uint32_t) owner->pid;
	strscpy(port, owner->port, MS_PORT_NAME_LEN);
}
