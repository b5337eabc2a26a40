// SPDX-License-Identifier: BSD-2-Clause
/*
 * multistack.ko: lets user-level network stacks share a NIC with the kernel
 * stack through a netmap VALE switch.  Load order: the core, its request
 * path, /proc, then the switch hooks; unload in reverse, so nothing runs on a
 * freed core.  While any port holds registrations the module is in use
 * (ms_port.c), so unloading waits for the stacks to close.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "ms_linux.h"

char *ms_switch_name = "valem:";
module_param_named(switch_name, ms_switch_name, charp, 0444);
MODULE_PARM_DESC(switch_name, "the VALE switch to take over, with its colon (default valem:)");

unsigned int ms_max_registrations = 65536;
module_param_named(max_registrations, ms_max_registrations, uint, 0444);
MODULE_PARM_DESC(max_registrations, "registrations on the switch at most (default 65536)");

unsigned int ms_max_per_port = 4096;
module_param_named(max_per_port, ms_max_per_port, uint, 0444);
MODULE_PARM_DESC(max_per_port, "registrations of one port at most (default 4096)");

struct ms_core *ms_linux_core;
struct ms_requests *ms_linux_requests;

static int __init ms_init(void)
{
	struct ms_limits limits = { ms_max_registrations, ms_max_per_port };
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
	status =
	    ms_requests_create(ms_linux_core, ms_linux_request_host(), limits, &ms_linux_requests);
	if (status != MS_OK) {
		err = -ms_status_errno(status);
		goto fail_core;
	}
	err = ms_proc_init();
	if (err)
		goto fail_requests;
	err = ms_netmap_attach();
	if (err)
		goto fail_proc;
	pr_info("multistack: serving switch %s\n", ms_switch_name);
	return 0;

fail_proc:
	ms_proc_fini();
fail_requests:
	ms_requests_destroy(ms_linux_requests);
fail_core:
	ms_core_destroy(ms_linux_core, ms_owner_release, NULL);
	ms_os_linux_drain();
	return err;
}

static void __exit ms_exit(void)
{
	/*
	 * First: giving the switch back takes netmap's global lock and the
	 * switch's lock, which waits out every hook, config and dtor call still
	 * returning through this module's text (ms_port.c explains).
	 */
	ms_netmap_detach();
	ms_proc_fini();
	ms_requests_destroy(ms_linux_requests);
	/* Normally empty: a watched port keeps the module in use (ms_port.c). */
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
