// SPDX-License-Identifier: BSD-2-Clause
/*
 * /proc/net/multistack: the records of common/ms_status.c (docs/design.md,
 * "Status format"), written into the seq_file.  Only the answer to who may
 * see a registration's owner is Linux's own.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "ms_linux.h"
#include "multistack/ms_status.h"

/*
 * Who registered is the owner's business: pid and uid are shown to the
 * registration's own user and to an administrator of the initial namespace,
 * judged by the credentials the file was opened with (as a passed fd keeps).
 */
static bool ms_proc_may_see(const struct seq_file *m, const struct ms_owner *owner)
{
	return uid_eq(m->file->f_cred->euid, owner->uid) ||
	       file_ns_capable(m->file, &init_user_ns, CAP_NET_ADMIN);
}

static int ms_proc_reg(const struct ms_registration *reg, void *arg)
{
	struct seq_file *m = arg;
	const struct ms_owner *owner = reg->cookie;
	struct ms_status_owner seen = { .port = owner ? owner->port : NULL };
	char line[MS_STATUS_LINE_MAX];

	if (owner && ms_proc_may_see(m, owner)) {
		seen.shown = true;
		seen.pid = owner->pid;
		seen.uid = from_kuid_munged(m->file->f_cred->user_ns, owner->uid);
	}
	seq_write(m, line, ms_status_line_reg(line, reg, &seen));
	return 0;
}

static int ms_proc_show(struct seq_file *m, void *v)
{
	/* Hundreds of bytes: too big for the stack; guarded by ms_proc_mutex. */
	static struct ms_stats stats;
	static DEFINE_MUTEX(ms_proc_mutex);
	char line[MS_STATUS_LINE_MAX];
	unsigned dir, reason;

	(void) v;
	seq_write(m, line, ms_status_line_version(line));
	seq_write(m, line, ms_status_line_switch(line, ms_switch_name, ms_count(ms_linux_core)));
	seq_write(m, line,
		  ms_status_line_limits(line, ms_requests_limits(ms_linux_requests),
					ms_requests_refused_for_limit(ms_linux_requests)));
	ms_foreach(ms_linux_core, ms_proc_reg, m);
	mutex_lock(&ms_proc_mutex);
	ms_stats_read(ms_linux_core, &stats);
	for (dir = 0; dir < MS_DIR__COUNT; dir++)
		for (reason = 0; reason < MS_REASON__COUNT; reason++)
			seq_write(
			    m, line,
			    ms_status_line_counter(line, dir, reason, stats.reason[dir][reason]));
	mutex_unlock(&ms_proc_mutex);
	return 0;
}

int ms_proc_init(void)
{
	if (!proc_create_single("multistack", 0444, init_net.proc_net, ms_proc_show))
		return -ENOMEM;
	return 0;
}

void ms_proc_fini(void)
{
	remove_proc_entry("multistack", init_net.proc_net);
}
