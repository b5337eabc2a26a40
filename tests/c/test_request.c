/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The request path of common/ms_request.c against a fake kernel: which
 * errno each refusal gets and in which order, the limits, QUERY's answer to
 * the holder and to others, and that every proof taken is given back.
 */
#include <errno.h>
#include <string.h>

#include "ms_test.h"
#include "multistack/ms_core.h"
#include "multistack/ms_request.h"

/* The fake kernel: which ports are the caller's, and what its sockets prove. */
struct fake {
	int caller_owner; /* -1: the caller holds no port of that name */
	int proof_error;
	int commit_error;
	int proofs_live; /* taken and not yet released */
	int commits;
	int calls_to_port;
	int idle_owner; /* the last owner reported idle, -1 for none */
};

static struct fake fake;

static int fake_caller_port(void *ctx, const char *name, uint16_t *owner)
{
	(void) ctx;
	(void) name;
	fake.calls_to_port++;
	if (fake.caller_owner < 0)
		return EPERM;
	*owner = (uint16_t) fake.caller_owner;
	return 0;
}

/* One cookie per proof, told apart by the descriptor that proved it. */
static int fake_proofs[64];

static int fake_take_proof(void *ctx, const struct ms_tuple *tuple, int32_t fd, const char *port,
			   void **cookie)
{
	(void) ctx;
	(void) tuple;
	(void) port;
	if (fake.proof_error)
		return fake.proof_error;
	fake.proofs_live++;
	fake_proofs[fd & 63] = fd;
	*cookie = &fake_proofs[fd & 63];
	return 0;
}

static bool fake_proof_of_fd(const void *cookie, const void *arg)
{
	return *(const int *) cookie == *(const int *) arg;
}

static int fake_commit_proof(void *ctx, void *cookie)
{
	(void) ctx;
	(void) cookie;
	fake.commits++;
	return fake.commit_error;
}

static void fake_owner_idle(void *ctx, uint16_t owner)
{
	(void) ctx;
	fake.idle_owner = owner;
}

static void fake_release(void *cookie, void *arg)
{
	(void) arg;
	if (cookie)
		fake.proofs_live--;
}

static void fake_describe(const void *cookie, uint32_t *pid, char port[MS_REQ_PORT_NAME_LEN])
{
	(void) cookie;
	*pid = 4242;
	strcpy(port, "vp0");
}

static const struct ms_request_host fake_host = {
	.caller_port = fake_caller_port,
	.take_proof = fake_take_proof,
	.commit_proof = fake_commit_proof,
	.owner_idle = fake_owner_idle,
	.release = fake_release,
	.describe = fake_describe,
};

static const char PORT[MS_REQ_PORT_NAME_LEN] = "valem:vp0";

static struct ms_req request(uint8_t cmd, uint16_t port)
{
	struct ms_req req;

	memset(&req, 0, sizeof(req));
	req.magic = MS_REQ_MAGIC;
	req.version = MS_REQ_VERSION;
	req.cmd = cmd;
	req.family = 4;
	req.proto = 17;
	req.port = port;
	req.addr[0] = 10, req.addr[3] = 2;
	req.fd = 3;
	return req;
}

static struct ms_core *core;
static struct ms_requests *rq;

static void setup(uint32_t max_total, uint32_t max_per_port)
{
	struct ms_limits limits = { max_total, max_per_port };

	memset(&fake, 0, sizeof(fake));
	fake.idle_owner = -1;
	CHECK_EQ(ms_core_create(&core), MS_OK);
	CHECK_EQ(ms_requests_create(core, &fake_host, limits, &rq), MS_OK);
}

static void teardown(void)
{
	ms_requests_destroy(rq);
	ms_core_destroy(core, fake_release, NULL);
	CHECK_EQ(fake.proofs_live, 0);
}

static int send_req(struct ms_req *req)
{
	return ms_request(rq, NULL, PORT, req).error;
}

static void malformed_requests_are_einval_before_anything_else(void)
{
	struct ms_req req;

	setup(10, 10);
	fake.caller_owner = -1; /* would be EPERM if it were asked */
	req = request(MS_CMD_BIND, 0);
	CHECK_EQ(send_req(&req), EINVAL); /* port 0 */
	req = request(MS_CMD_UNBIND, 0);
	CHECK_EQ(send_req(&req), EINVAL);
	req = request(MS_CMD_QUERY, 0);
	CHECK_EQ(send_req(&req), EINVAL);
	req = request(MS_CMD_BIND, 53), req.magic = 0;
	CHECK_EQ(send_req(&req), EINVAL);
	req = request(MS_CMD_BIND, 53), req.cmd = 9;
	CHECK_EQ(send_req(&req), EINVAL);
	req = request(MS_CMD_BIND, 53), req.flags = 1;
	CHECK_EQ(send_req(&req), EINVAL);
	req = request(MS_CMD_BIND, 53), req.reserved[7] = 1;
	CHECK_EQ(send_req(&req), EINVAL);
	req = request(MS_CMD_BIND, 53), req.out_owner_port[3] = 'x';
	CHECK_EQ(send_req(&req), EINVAL);
	req = request(MS_CMD_BIND, 53), req.fd = -2;
	CHECK_EQ(send_req(&req), EINVAL);
	req = request(MS_CMD_BIND, 53), req.family = 5;
	CHECK_EQ(send_req(&req), EINVAL);
	req = request(MS_CMD_BIND, 53), req.proto = 1;
	CHECK_EQ(send_req(&req), EINVAL);
	CHECK_EQ(fake.calls_to_port, 0);
	teardown();
}

static void every_command_needs_the_callers_port(void)
{
	struct ms_req req;
	uint8_t cmd;

	setup(10, 10);
	fake.caller_owner = -1;
	for (cmd = MS_CMD_BIND; cmd <= MS_CMD_QUERY; cmd++) {
		req = request(cmd, 53);
		CHECK_EQ(send_req(&req), EPERM);
		CHECK_EQ(req.out_flags, 0);
	}
	CHECK_EQ(fake.proofs_live, 0);
	teardown();
}

static void bind_unbind_and_their_refusals(void)
{
	struct ms_req req;

	setup(10, 10);
	fake.caller_owner = 2;
	fake.proof_error = EADDRNOTAVAIL;
	req = request(MS_CMD_BIND, 53);
	CHECK_EQ(send_req(&req), EADDRNOTAVAIL);
	fake.proof_error = 0;
	req = request(MS_CMD_BIND, 53);
	CHECK_EQ(send_req(&req), 0);
	CHECK_EQ(fake.commits, 1);
	CHECK_EQ(fake.proofs_live, 1);
	req = request(MS_CMD_BIND, 53);
	CHECK_EQ(send_req(&req), EEXIST);
	fake.caller_owner = 3;
	req = request(MS_CMD_BIND, 53);
	CHECK_EQ(send_req(&req), EADDRINUSE);
	req = request(MS_CMD_UNBIND, 53);
	CHECK_EQ(send_req(&req), EPERM);
	req = request(MS_CMD_UNBIND, 54);
	CHECK_EQ(send_req(&req), ENOENT);
	CHECK_EQ(fake.proofs_live, 1); /* refused BINDs gave their proofs back */
	fake.caller_owner = 2;
	req = request(MS_CMD_BIND, 54);
	CHECK_EQ(send_req(&req), 0);
	req = request(MS_CMD_UNBIND, 53);
	CHECK_EQ(send_req(&req), 0);
	CHECK_EQ(fake.idle_owner, -1); /* 54 is still registered */
	req = request(MS_CMD_UNBIND, 54);
	CHECK_EQ(send_req(&req), 0);
	CHECK_EQ(fake.idle_owner, 2);
	CHECK_EQ(fake.proofs_live, 0);
	CHECK_EQ(ms_count(core), 0);
	teardown();
}

static void a_failed_hand_over_undoes_the_registration(void)
{
	struct ms_req req;

	setup(10, 10);
	fake.caller_owner = 2;
	fake.commit_error = EBUSY;
	req = request(MS_CMD_BIND, 53);
	CHECK_EQ(send_req(&req), EBUSY);
	CHECK_EQ(ms_count(core), 0);
	CHECK_EQ(fake.proofs_live, 0);
	fake.commit_error = 0;
	req = request(MS_CMD_BIND, 53);
	CHECK_EQ(send_req(&req), 0); /* and the limits did not count the undone one */
	teardown();
}

static void limits_are_enospc_per_port_and_per_switch(void)
{
	struct ms_req req;
	uint16_t p;

	setup(5, 3);
	fake.caller_owner = 2;
	for (p = 1; p <= 3; p++) {
		req = request(MS_CMD_BIND, p);
		CHECK_EQ(send_req(&req), 0);
	}
	req = request(MS_CMD_BIND, 4);
	CHECK_EQ(send_req(&req), ENOSPC);
	fake.caller_owner = 3;
	for (p = 4; p <= 5; p++) {
		req = request(MS_CMD_BIND, p);
		CHECK_EQ(send_req(&req), 0);
	}
	req = request(MS_CMD_BIND, 6);
	CHECK_EQ(send_req(&req), ENOSPC);
	CHECK_EQ(ms_requests_refused_for_limit(rq), 2);
	CHECK_EQ(fake.proofs_live, 5);
	/* Owner 2 leaves: its three registrations go, and room comes back for others. */
	CHECK_EQ(ms_requests_owner_gone(rq, 2, NULL), 3);
	CHECK_EQ(fake.proofs_live, 2);
	req = request(MS_CMD_BIND, 6);
	CHECK_EQ(send_req(&req), 0);
	req = request(MS_CMD_UNBIND, 6);
	CHECK_EQ(send_req(&req), 0);
	fake.caller_owner = 2;
	for (p = 1; p <= 3; p++) {
		req = request(MS_CMD_BIND, p);
		CHECK_EQ(send_req(&req), 0);
	}
	teardown();
}

static void query_tells_others_only_that_a_tuple_is_taken(void)
{
	struct ms_req req;

	setup(10, 10);
	fake.caller_owner = 2;
	req = request(MS_CMD_BIND, 53);
	CHECK_EQ(send_req(&req), 0);
	req = request(MS_CMD_QUERY, 53);
	CHECK_EQ(send_req(&req), 0);
	CHECK_EQ(req.out_flags, MS_QUERY_FOUND | MS_QUERY_MINE);
	CHECK_EQ(req.out_owner_pid, 4242);
	CHECK(strcmp(req.out_owner_port, "vp0") == 0);
	fake.caller_owner = 3;
	req = request(MS_CMD_QUERY, 53);
	CHECK_EQ(send_req(&req), 0);
	CHECK_EQ(req.out_flags, MS_QUERY_FOUND);
	CHECK_EQ(req.out_owner_pid, 0);
	CHECK_EQ(req.out_owner_port[0], 0);
	CHECK_EQ(req.out_packets + req.out_bytes, 0);
	req = request(MS_CMD_QUERY, 54);
	CHECK_EQ(send_req(&req), 0);
	CHECK_EQ(req.out_flags, 0);
	teardown();
}

static void revoke_ends_only_the_registration_it_names(void)
{
	struct ms_tuple tuple;
	struct ms_req req;
	int fd;

	setup(10, 10);
	fake.caller_owner = 2;
	req = request(MS_CMD_BIND, 53);
	req.fd = 7;
	CHECK_EQ(send_req(&req), 0);
	memset(&tuple, 0, sizeof(tuple));
	tuple.family = req.family;
	tuple.proto = req.proto;
	tuple.port = req.port;
	memcpy(tuple.addr, req.addr, sizeof(tuple.addr));
	/* Another proof, another owner, another tuple: nothing happens. */
	fd = 8;
	CHECK(!ms_requests_revoke(rq, NULL, &tuple, 2, fake_proof_of_fd, &fd));
	fd = 7;
	CHECK(!ms_requests_revoke(rq, NULL, &tuple, 3, fake_proof_of_fd, &fd));
	tuple.port = 54;
	CHECK(!ms_requests_revoke(rq, NULL, &tuple, 2, fake_proof_of_fd, &fd));
	CHECK_EQ(fake.proofs_live, 1);
	CHECK_EQ(fake.idle_owner, -1);
	/* The one it names: gone, its proof given back, the owner idle, the tuple free again. */
	tuple.port = 53;
	CHECK(ms_requests_revoke(rq, NULL, &tuple, 2, fake_proof_of_fd, &fd));
	CHECK_EQ(fake.proofs_live, 0);
	CHECK_EQ(fake.idle_owner, 2);
	CHECK(!ms_requests_revoke(rq, NULL, &tuple, 2, fake_proof_of_fd, &fd));
	req = request(MS_CMD_UNBIND, 53);
	CHECK_EQ(send_req(&req), ENOENT);
	fake.caller_owner = 3;
	req = request(MS_CMD_BIND, 53);
	CHECK_EQ(send_req(&req), 0);
	teardown();
}

int main(void)
{
	RUN(malformed_requests_are_einval_before_anything_else);
	RUN(every_command_needs_the_callers_port);
	RUN(bind_unbind_and_their_refusals);
	RUN(a_failed_hand_over_undoes_the_registration);
	RUN(limits_are_enospc_per_port_and_per_switch);
	RUN(query_tells_others_only_that_a_tuple_is_taken);
	RUN(revoke_ends_only_the_registration_it_names);
	return ms_test_failures != 0;
}
