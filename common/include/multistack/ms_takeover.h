/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Taking a VALE switch over and giving it back, once for every kernel.
 *
 * Attach: an existing switch (a NIC attached to it with vale-ctl -h) is
 * taken over as it is; if there is none, the module creates one, which
 * netmap makes exclusive to the module (vale-ctl cannot attach NICs to it).
 * Detach: the switch gets netmap's default behaviour back; one this module
 * created is destroyed if empty, or, if ports remain, opened up (no longer
 * exclusive) so that the next load or vale-ctl can take it over.
 *
 * The glue supplies netmap's calls (their names differ only in how a kernel
 * reaches them) and a log line; errors are positive errno values as netmap
 * returns them.
 */
#ifndef MULTISTACK_MS_TAKEOVER_H
#define MULTISTACK_MS_TAKEOVER_H

#include "ms_os_types.h"

struct ms_switch_ops {
	/* netmap_bdg_regops(name, ours ? the module's ops and core : NULL, token); ENXIO: none. */
	int (*regops)(void *arg, const char *name, bool ours, void *token);
	/* netmap_vale_create(name, &error): the new switch's auth token, or NULL. */
	void *(*create)(void *arg, const char *name, int *error);
	/* netmap_vale_destroy(name, token): 0, EBUSY while ports remain, or another errno. */
	int (*destroy)(void *arg, const char *name, void *token);
	/* Clears the exclusive flag of the switch this module created. */
	void (*open_up)(void *arg);
	/* One line for the kernel log about the switch: what happened, and the errno or 0. */
	void (*note)(void *arg, const char *what, int error);
	void *arg;
};

struct ms_takeover {
	const struct ms_switch_ops *ops;
	const char *name; /* "valem:", the glue's, alive as long as this */
	void *token;	  /* non-NULL: this module created the switch */
	bool attached;
};

/* 0, or the errno that kept the switch from being taken over (logged already). */
int ms_takeover_attach(struct ms_takeover *t);
/* Gives the switch back; does nothing if not attached. */
void ms_takeover_detach(struct ms_takeover *t);

#endif /* MULTISTACK_MS_TAKEOVER_H */
