/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * multistack.ko for FreeBSD: lets user-level network stacks share a NIC with
 * the kernel stack through netmap's VALE switch (netmap is in base).
 *
 * Load: the core, then the switch hooks.  Unload: the hooks first; once
 * netmap_bdg_regops() has restored the switch's defaults under its write
 * lock, no lookup, config or dtor of ours can be running, and the core and
 * every pinned socket can go.
 */
#include <sys/param.h>
#include <sys/systm.h>

#include <sys/epoch.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/sysctl.h>

#include "ms_fbsd.h"
#include "ms_netmap.h"
#include "multistack/ms_request.h"
#include "multistack/ms_takeover.h"

#ifndef MS_VERSION
#define MS_VERSION "unknown" /* set by the Makefile from META */
#endif

struct ms_fbsd_switch ms_sw = {
	.name = "valem:",
	.nic_port = NM_BDG_NOPORT,
};

SYSCTL_NODE(_net, OID_AUTO, multistack, CTLFLAG_RW | CTLFLAG_MPSAFE, 0,
	    "MultiStack: user-level network stacks beside the kernel's");
SYSCTL_STRING(_net_multistack, OID_AUTO, switch, CTLFLAG_RDTUN | CTLFLAG_NOFETCH, ms_sw.name,
	      sizeof(ms_sw.name), "VALE switch served, with its colon (loader tunable)");

/* The same limits and defaults as Linux's module parameters. */
static struct ms_limits ms_limits = { 65536, 4096 };
SYSCTL_UINT(_net_multistack, OID_AUTO, max_registrations, CTLFLAG_RDTUN,
	    &ms_limits.max_registrations, 0, "registrations on the switch at most (tunable)");
SYSCTL_UINT(_net_multistack, OID_AUTO, max_per_port, CTLFLAG_RDTUN, &ms_limits.max_per_port, 0,
	    "registrations of one port at most (tunable)");

/*
 * The status sysctl reads the core, so it exists only while the core does:
 * static sysctls appear before MOD_LOAD and go after MOD_UNLOAD, while
 * removing a dynamic one waits for every handler still running.
 */
static struct sysctl_ctx_list ms_sysctl_ctx;
static bool ms_sysctl_added;

static int ms_status_add(void)
{
	sysctl_ctx_init(&ms_sysctl_ctx);
	ms_sysctl_added = true;
	if (SYSCTL_ADD_PROC(&ms_sysctl_ctx, SYSCTL_STATIC_CHILDREN(_net_multistack), OID_AUTO,
			    "status", CTLTYPE_STRING | CTLFLAG_RD | CTLFLAG_MPSAFE, NULL, 0,
			    ms_status_sysctl, "A",
			    "registrations and counters, one record a line") == NULL)
		return (ENOMEM);
	return (0);
}

static void ms_status_remove(void)
{
	if (ms_sysctl_added)
		sysctl_ctx_free(&ms_sysctl_ctx);
	ms_sysctl_added = false;
}

static struct netmap_bdg_ops ms_ops = {
	.lookup = ms_switch_lookup,
	.config = ms_config,
	.dtor = ms_switch_dtor,
	.name = "multistack",
};

static bool ms_switch_name_ok(const char *name)
{
	size_t len = strnlen(name, sizeof(ms_sw.name));

	return (len > 1 && len < sizeof(ms_sw.name) && name[len - 1] == ':' &&
		strchr(name, ':') == name + len - 1);
}

/* netmap's calls for common/ms_takeover.c, the same steps as on Linux. */
static int ms_sw_regops(void *arg __unused, const char *name, bool ours, void *token)
{
	return (netmap_bdg_regops(name, ours ? &ms_ops : NULL, ours ? ms_sw.core : NULL, token));
}

static void *ms_sw_create(void *arg __unused, const char *name, int *error)
{
	return (netmap_vale_create(name, error));
}

static int ms_sw_destroy(void *arg __unused, const char *name, void *token)
{
	return (netmap_vale_destroy(name, token));
}

static void ms_sw_open_up(void *arg __unused)
{
	ms_switch_open_up();
}

static void ms_sw_note(void *arg __unused, const char *what, int error)
{
	printf("multistack: switch %s %s (error %d)\n", ms_sw.name, what, error);
}

static const struct ms_switch_ops ms_switch_ops = {
	.regops = ms_sw_regops,
	.create = ms_sw_create,
	.destroy = ms_sw_destroy,
	.open_up = ms_sw_open_up,
	.note = ms_sw_note,
};

static struct ms_takeover ms_takeover = { .ops = &ms_switch_ops, .name = ms_sw.name };

static void ms_unhook(void)
{
	ms_takeover_detach(&ms_takeover);
	ms_sw.bridge = NULL;
}

static void ms_teardown(void)
{
	ms_status_remove();
	ms_unhook();
	ms_handover_fini();
	/* The core's deferred frees call back into this module: let them run first. */
	NET_EPOCH_DRAIN_CALLBACKS();
	ms_requests_destroy(ms_sw.requests);
	ms_sw.requests = NULL;
	if (ms_sw.core != NULL)
		ms_core_destroy(ms_sw.core, ms_release_cookie_now, NULL);
	ms_sw.core = NULL;
	ms_percpu_fini();
	ms_release_fini();
	ms_watch_fini();
	NET_EPOCH_DRAIN_CALLBACKS();
}

static int ms_load(void)
{
	enum ms_status status;
	int error;

	TUNABLE_STR_FETCH("net.multistack.switch", ms_sw.name, sizeof(ms_sw.name));
	if (!ms_switch_name_ok(ms_sw.name)) {
		printf("multistack: net.multistack.switch must be a VALE switch name ending in "
		       "':', at most %zu characters\n",
		       sizeof(ms_sw.name) - 1);
		return (EINVAL);
	}
	ms_release_init();
	ms_handover_init();
	ms_watch_init();
	ms_percpu_init();
	status = ms_core_create(&ms_sw.core);
	if (status == MS_OK)
		status =
		    ms_requests_create(ms_sw.core, ms_config_host(), ms_limits, &ms_sw.requests);
	if (status != MS_OK) {
		ms_teardown();
		return (ms_status_errno(status));
	}
	error = ms_takeover_attach(&ms_takeover);
	if (error != 0) {
		ms_teardown();
		return (error);
	}
	error = ms_status_add();
	if (error != 0) {
		ms_teardown();
		return (error);
	}
	printf("multistack %s: serving switch %s\n", MS_VERSION, ms_sw.name);
	return (0);
}

static int ms_modevent(module_t mod __unused, int what, void *arg __unused)
{
	switch (what) {
	case MOD_LOAD:
		return (ms_load());
	case MOD_UNLOAD:
		/* A watched port's hook points into this module (ms_watch.c): in use. */
		if (ms_watch_close() != 0)
			return (EBUSY);
		/* Also sent after a failed MOD_LOAD: ms_teardown() undoes only what was done. */
		ms_teardown();
		printf("multistack: released switch %s\n", ms_sw.name);
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t ms_mod = {
	"multistack",
	ms_modevent,
	NULL,
};

DECLARE_MODULE(multistack, ms_mod, SI_SUB_PROTO_END, SI_ORDER_ANY);
MODULE_VERSION(multistack, 1);
MODULE_DEPEND(multistack, netmap, 1, 1, 1);
