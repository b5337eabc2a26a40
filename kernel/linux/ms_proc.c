// SPDX-License-Identifier: BSD-2-Clause
/* /proc/net/multistack: the status format of docs/design.md. */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/inet.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "ms_linux.h"

static const char *ms_proto_name(unsigned proto)
{
	switch (proto) {
	case MS_PROTO_TCP:
		return "tcp";
	case MS_PROTO_UDP:
		return "udp";
	case MS_PROTO_DCCP:
		return "dccp";
	case MS_PROTO_SCTP:
		return "sctp";
	case MS_PROTO_UDPLITE:
		return "udplite";
	}
	return "?";
}

static bool ms_addr_is_wildcard(const struct ms_tuple *tuple)
{
	unsigned i;

	for (i = 0; i < sizeof(tuple->addr); i++)
		if (tuple->addr[i])
			return false;
	return true;
}

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
	const struct ms_tuple *t = &reg->tuple;

	seq_printf(m, "reg family=%u proto=%s addr=", t->family, ms_proto_name(t->proto));
	if (ms_addr_is_wildcard(t))
		seq_puts(m, "*");
	else if (t->family == MS_FAMILY_INET)
		seq_printf(m, "%pI4", t->addr);
	else
		seq_printf(m, "%pI6c", t->addr);
	seq_printf(m, " port=%u owner=%s index=%u", t->port, owner ? owner->port : "?", reg->owner);
	if (owner && ms_proc_may_see(m, owner))
		seq_printf(m, " pid=%d uid=%u", owner->pid,
			   from_kuid_munged(m->file->f_cred->user_ns, owner->uid));
	else
		seq_puts(m, " pid=- uid=-");
	seq_printf(m, " packets=%llu bytes=%llu\n", (unsigned long long) reg->packets,
		   (unsigned long long) reg->bytes);
	return 0;
}

static int ms_proc_show(struct seq_file *m, void *v)
{
	static struct ms_stats
	    stats; /* hundreds of bytes: too big for the stack; guarded by ms_proc_mutex */
	static DEFINE_MUTEX(ms_proc_mutex);
	struct ms_limits limits;
	unsigned dir, reason;

	(void) v;
	seq_puts(m, "multistack-status 1\n");
	seq_printf(m, "switch name=%s registrations=%u\n", ms_switch_name, ms_count(ms_linux_core));
	limits = ms_requests_limits(ms_linux_requests);
	seq_printf(m, "limits max_registrations=%u max_per_port=%u refused=%llu\n",
		   limits.max_registrations, limits.max_per_port,
		   (unsigned long long) ms_requests_refused_for_limit(ms_linux_requests));
	ms_foreach(ms_linux_core, ms_proc_reg, m);
	mutex_lock(&ms_proc_mutex);
	ms_stats_read(ms_linux_core, &stats);
	for (dir = 0; dir < MS_DIR__COUNT; dir++)
		for (reason = 0; reason < MS_REASON__COUNT; reason++)
			seq_printf(m, "counter dir=%s reason=%s verdict=%s packets=%llu\n",
				   dir == MS_DIR_INGRESS ? "ingress" : "egress",
				   ms_reason_name(reason),
				   ms_verdict_name(ms_reason_verdict(reason, dir)),
				   (unsigned long long) stats.reason[dir][reason]);
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
