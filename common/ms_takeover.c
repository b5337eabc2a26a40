// SPDX-License-Identifier: BSD-2-Clause
/* Taking the switch over and giving it back: see ms_takeover.h. */
#include "multistack/ms_takeover.h"

int ms_takeover_attach(struct ms_takeover *t)
{
	const struct ms_switch_ops *ops = t->ops;
	int err;

	t->token = NULL;
	err = ops->regops(ops->arg, t->name, true, NULL);
	if (err == ENXIO) {
		/* None yet: a new one, exclusive to this module by netmap's rule. */
		t->token = ops->create(ops->arg, t->name, &err);
		if (!t->token) {
			err = err ? err : ENOMEM;
		} else {
			err = ops->regops(ops->arg, t->name, true, t->token);
			if (err) {
				ops->destroy(ops->arg, t->name, t->token);
				t->token = NULL;
			}
		}
	}
	if (err) {
		ops->note(ops->arg, "cannot be taken over", err);
		return err;
	}
	t->attached = true;
	return 0;
}

void ms_takeover_detach(struct ms_takeover *t)
{
	const struct ms_switch_ops *ops = t->ops;
	int err;

	if (!t->attached)
		return;
	/* netmap takes the switch's write lock: once back, no hook of the module runs. */
	err = ops->regops(ops->arg, t->name, false, t->token);
	if (err)
		ops->note(ops->arg, "is gone", err);
	if (t->token) {
		err = ops->destroy(ops->arg, t->name, t->token);
		if (err == EBUSY) {
			/*
			 * Ports remain, and netmap would keep the switch exclusive to
			 * a token nobody holds any more: the next load could not take
			 * it over.  Opened up, it stays as if vale-ctl had made it.
			 */
			ops->open_up(ops->arg);
		} else if (err) {
			ops->note(ops->arg, "cannot be destroyed", err);
		}
	}
	t->token = NULL;
	t->attached = false;
}
