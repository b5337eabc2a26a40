// SPDX-License-Identifier: BSD-2-Clause
/* The glue's record of one registration: who made it, and the socket it pins. */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "ms_linux.h"

struct ms_owner *ms_owner_new(struct file *sock_file, const char *port)
{
	struct ms_owner *owner = kzalloc(sizeof(*owner), GFP_KERNEL);

	if (!owner)
		return NULL;
	owner->sock_file = sock_file;
	owner->pid = task_tgid_nr(current);
	owner->uid = from_kuid_munged(&init_user_ns, current_uid());
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
