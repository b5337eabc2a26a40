// SPDX-License-Identifier: BSD-2-Clause
/*
 * multistack.ko: lets user-level network stacks share a NIC with the kernel
 * stack through a netmap VALE switch.  Load order: the core, /proc, then the
 * switch hooks; unload in reverse, so nothing runs on a freed core.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "ms_linux.h"

char *ms_switch_name = "valem:";
module_param_named(switch_name, ms_switch_name, charp, 0444);
MODULE_PARM_DESC(switch_name, "the VALE switch to take over, with its colon (default valem:)");

struct ms_core *ms_linux_core;

static int __init ms_init(void)
{
	enum ms_status status;
	int err;

	if (!ms_switch_name || !strchr(ms_switch_name, ':') || strlen(ms_switch_name) > 15) {
		pr_err("multistack: switch_name must be a VALE switch name ending in ':', at most "
		       "15 characters\n");
		return -EINVAL;
	}
	status = ms_core_create(&ms_linux_core);
	if (status != MS_OK)
		return -ms_status_errno(status);
	err = ms_proc_init();
	if (err)
		goto fail_core;
	err = ms_netmap_attach(ms_switch_name);
	if (err)
		goto fail_proc;
	pr_info("multistack: serving switch %s\n", ms_switch_name);
	return 0;

fail_proc:
	ms_proc_fini();
fail_core:
	ms_core_destroy(ms_linux_core, ms_owner_release, NULL);
	ms_os_linux_drain();
	return err;
}

static void __exit ms_exit(void)
{
	ms_netmap_detach();
	ms_proc_fini();
	/* Drops every pinned socket; the ports stay on the switch with its default lookup. */
	ms_core_destroy(ms_linux_core, ms_owner_release, NULL);
	ms_os_linux_drain();
	pr_info("multistack: released switch %s\n", ms_switch_name);
}

module_init(ms_init);
module_exit(ms_exit);

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("MultiStack: user-level network stacks beside the kernel's on one NIC");
MODULE_SOFTDEP("pre: netmap");
MODULE_VERSION(MS_VERSION);
