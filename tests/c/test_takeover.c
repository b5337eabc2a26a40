/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * common/ms_takeover.c against a fake netmap: which of netmap's calls each
 * case makes, in which order, and what the module is left holding.
 */
#include <errno.h>
#include <string.h>

#include "ms_test.h"
#include "multistack/ms_takeover.h"

/* The fake netmap: one switch, which may exist, be exclusive, keep ports. */
struct fake_netmap {
	bool exists;
	bool ours; /* our hooks are on it */
	void *exclusive_token;
	bool has_ports;
	int refuse_regops; /* an errno for every regops with hooks, 0: none */
	int refuse_create; /* an errno for create */
	bool create_without_errno;
	int creates, destroys, open_ups, notes;
	int last_note_error;
	char calls[64]; /* r: regops ours, u: regops give back, c: create, d: destroy, o: open up */
};

static struct fake_netmap nm;
static char token_storage;

static void call(char c)
{
	size_t n = strlen(nm.calls);

	if (n + 1 < sizeof(nm.calls))
		nm.calls[n] = c;
}

static int fake_regops(void *arg, const char *name, bool ours, void *token)
{
	(void) arg;
	(void) name;
	call(ours ? 'r' : 'u');
	if (!nm.exists)
		return ENXIO;
	if (nm.exclusive_token && token != nm.exclusive_token)
		return EACCES;
	if (ours && nm.refuse_regops)
		return nm.refuse_regops;
	nm.ours = ours;
	return 0;
}

static void *fake_create(void *arg, const char *name, int *error)
{
	(void) arg;
	(void) name;
	call('c');
	nm.creates++;
	if (nm.refuse_create || nm.create_without_errno) {
		*error = nm.refuse_create;
		return NULL;
	}
	*error = 0;
	nm.exists = true;
	nm.exclusive_token = &token_storage;
	return nm.exclusive_token;
}

static int fake_destroy(void *arg, const char *name, void *token)
{
	(void) arg;
	(void) name;
	call('d');
	nm.destroys++;
	if (token != nm.exclusive_token)
		return EACCES;
	if (nm.has_ports)
		return EBUSY;
	nm.exists = false;
	nm.exclusive_token = NULL;
	return 0;
}

static void fake_open_up(void *arg)
{
	(void) arg;
	call('o');
	nm.open_ups++;
	nm.exclusive_token = NULL;
}

static void fake_note(void *arg, const char *what, int error)
{
	(void) arg;
	(void) what;
	nm.notes++;
	nm.last_note_error = error;
}

static const struct ms_switch_ops fake_ops = {
	.regops = fake_regops,
	.create = fake_create,
	.destroy = fake_destroy,
	.open_up = fake_open_up,
	.note = fake_note,
	.arg = NULL,
};

static struct ms_takeover fresh(void)
{
	struct ms_takeover t = { &fake_ops, "valem:", NULL, false };

	return t;
}

#define CHECK_CALLS(want)                                                                   \
	do {                                                                                \
		if (strcmp(nm.calls, (want)) != 0) {                                        \
			fprintf(stderr, "%s:%d: calls \"%s\", expected \"%s\"\n", __FILE__, \
				__LINE__, nm.calls, (want));                                \
			ms_test_failures++;                                                 \
		}                                                                           \
		memset(nm.calls, 0, sizeof(nm.calls));                                      \
	} while (0)

static void an_existing_switch_is_taken_as_it_is_and_left_in_place(void)
{
	struct ms_takeover t = fresh();

	memset(&nm, 0, sizeof(nm));
	nm.exists = true;
	CHECK_EQ(ms_takeover_attach(&t), 0);
	CHECK_CALLS("r");
	CHECK(t.attached && nm.ours && t.token == NULL);
	ms_takeover_detach(&t);
	CHECK_CALLS("u");
	CHECK(!t.attached && !nm.ours && nm.exists);
	ms_takeover_detach(&t); /* again: nothing */
	CHECK_CALLS("");
	CHECK_EQ(nm.notes, 0);
}

static void a_missing_switch_is_created_and_destroyed_when_empty(void)
{
	struct ms_takeover t = fresh();

	memset(&nm, 0, sizeof(nm));
	CHECK_EQ(ms_takeover_attach(&t), 0);
	CHECK_CALLS("rcr");
	CHECK(t.attached && nm.ours && t.token == &token_storage);
	ms_takeover_detach(&t);
	CHECK_CALLS("ud");
	CHECK(!nm.exists && t.token == NULL && !t.attached);
	CHECK_EQ(nm.notes, 0);
}

static void a_created_switch_with_ports_is_opened_up(void)
{
	struct ms_takeover t = fresh();

	memset(&nm, 0, sizeof(nm));
	CHECK_EQ(ms_takeover_attach(&t), 0);
	CHECK_CALLS("rcr");
	nm.has_ports = true;
	ms_takeover_detach(&t);
	CHECK_CALLS("udo");
	CHECK(nm.exists && nm.exclusive_token == NULL && !nm.ours);
	CHECK_EQ(nm.notes, 0);
	/* The next load takes the switch over as vale-ctl's. */
	CHECK_EQ(ms_takeover_attach(&t), 0);
	CHECK_CALLS("r");
	CHECK(t.token == NULL);
}

static void refusals_are_returned_logged_and_leave_nothing_behind(void)
{
	struct ms_takeover t = fresh();

	/* Another module's exclusive switch: not created over, refused. */
	memset(&nm, 0, sizeof(nm));
	nm.exists = true;
	nm.exclusive_token = &nm;
	CHECK_EQ(ms_takeover_attach(&t), EACCES);
	CHECK_CALLS("r");
	CHECK(!t.attached);
	CHECK_EQ(nm.last_note_error, EACCES);
	ms_takeover_detach(&t);
	CHECK_CALLS("");
	/* Creation refused, with and without an errno. */
	memset(&nm, 0, sizeof(nm));
	nm.refuse_create = EINVAL;
	CHECK_EQ(ms_takeover_attach(&t), EINVAL);
	CHECK_CALLS("rc");
	memset(&nm, 0, sizeof(nm));
	nm.create_without_errno = true;
	CHECK_EQ(ms_takeover_attach(&t), ENOMEM);
	CHECK_CALLS("rc");
	CHECK(!t.attached && t.token == NULL);
	/* Created, then the hooks refused: the new switch is destroyed again. */
	memset(&nm, 0, sizeof(nm));
	nm.refuse_regops = EBUSY;
	CHECK_EQ(ms_takeover_attach(&t), EBUSY);
	CHECK_CALLS("rcrd");
	CHECK(!nm.exists && t.token == NULL && !t.attached);
	CHECK_EQ(nm.notes, 1);
}

int main(void)
{
	RUN(an_existing_switch_is_taken_as_it_is_and_left_in_place);
	RUN(a_missing_switch_is_created_and_destroyed_when_empty);
	RUN(a_created_switch_with_ports_is_opened_up);
	RUN(refusals_are_returned_logged_and_leave_nothing_behind);
	return ms_test_failures != 0;
}
