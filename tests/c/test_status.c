/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The status records of common/ms_status.c: the exact text of each record
 * (the format tools/multistack and the guest tests parse), addresses as the C
 * library's inet_ntop() writes them, and no record ever passing its buffer.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ms_test.h"
#include "multistack/ms_status.h"

#define CHECK_STR(got, want)                                                              \
	do {                                                                              \
		if (strcmp((got), (want)) != 0) {                                         \
			fprintf(stderr, "%s:%d: got \"%s\", expected \"%s\"\n", __FILE__, \
				__LINE__, (got), (want));                                 \
			ms_test_failures++;                                               \
		}                                                                         \
	} while (0)

static struct ms_tuple tuple6(const char *text)
{
	struct ms_tuple t;

	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET6;
	t.proto = MS_PROTO_TCP;
	t.port = 80;
	CHECK(inet_pton(AF_INET6, text, t.addr) == 1);
	return t;
}

static void header_records(void)
{
	char line[MS_STATUS_LINE_MAX];
	struct ms_limits limits = { 65536, 4096 };

	CHECK_EQ(ms_status_line_version(line), strlen("multistack-status 1\n"));
	CHECK_STR(line, "multistack-status 1\n");
	ms_status_line_switch(line, "valem:", 2);
	CHECK_STR(line, "switch name=valem: registrations=2\n");
	ms_status_line_limits(line, limits, 7);
	CHECK_STR(line, "limits max_registrations=65536 max_per_port=4096 refused=7\n");
	ms_status_line_counter(line, MS_DIR_INGRESS, MS_REASON_TUPLE_HIT, 10);
	CHECK_STR(line, "counter dir=ingress reason=tuple_hit verdict=port packets=10\n");
	ms_status_line_counter(line, MS_DIR_EGRESS, MS_REASON_NO_HOST_PORT, UINT64_MAX);
	CHECK_STR(
	    line,
	    "counter dir=egress reason=no_host_port verdict=drop packets=18446744073709551615\n");
}

static void registration_records(void)
{
	char line[MS_STATUS_LINE_MAX];
	struct ms_registration reg;
	struct ms_status_owner owner = { "vp0", true, 812, 0 };
	size_t len;

	memset(&reg, 0, sizeof(reg));
	reg.tuple.family = MS_FAMILY_INET;
	reg.tuple.proto = MS_PROTO_UDP;
	reg.tuple.port = 53;
	reg.tuple.addr[0] = 10, reg.tuple.addr[3] = 2;
	reg.owner = 2;
	reg.packets = 10;
	reg.bytes = 640;
	len = ms_status_line_reg(line, &reg, &owner);
	CHECK_STR(line, "reg family=4 proto=udp addr=10.0.0.2 port=53 owner=vp0 index=2 pid=812 "
			"uid=0 packets=10 bytes=640\n");
	CHECK_EQ(len, strlen(line));
	/* Hidden from other readers; an unknown owner and the wildcard. */
	reg.tuple = tuple6("::");
	reg.tuple.proto = MS_PROTO_SCTP;
	owner.port = NULL;
	owner.shown = false;
	reg.packets = reg.bytes = 0;
	ms_status_line_reg(line, &reg, &owner);
	CHECK_STR(line, "reg family=6 proto=sctp addr=* port=80 owner=? index=2 pid=- uid=- "
			"packets=0 bytes=0\n");
}

/* The longest record still ends in its newline, and a port name need not be terminated. */
static void records_never_pass_their_buffer(void)
{
	char line[MS_STATUS_LINE_MAX + 8];
	struct ms_registration reg;
	struct ms_status_owner owner = { "0123456789abcdefXXXX", true, -2147483647 - 1,
					 4294967295u };
	size_t len;

	memset(line, 'Z', sizeof(line));
	memset(&reg, 0, sizeof(reg));
	reg.tuple = tuple6("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	reg.tuple.proto = MS_PROTO_UDPLITE;
	reg.tuple.port = 65535;
	reg.owner = 65535;
	reg.packets = reg.bytes = UINT64_MAX;
	len = ms_status_line_reg(line, &reg, &owner);
	CHECK(len < MS_STATUS_LINE_MAX);
	CHECK_EQ(line[len], '\0');
	CHECK_EQ(line[len - 1], '\n');
	CHECK_EQ(line[MS_STATUS_LINE_MAX], 'Z');
	CHECK(strstr(line, " owner=0123456789abcdef index=") != NULL);
	CHECK(strstr(line, " pid=-2147483648 uid=4294967295 ") != NULL);
	len = ms_status_line_switch(line, "0123456789abcdefXXXX", 4294967295u);
	CHECK_STR(line, "switch name=0123456789abcdef registrations=4294967295\n");
}

static void check_addr_like_inet_ntop(const uint8_t addr[16])
{
	char mine[MS_STATUS_ADDR_MAX], libc[INET6_ADDRSTRLEN];
	struct ms_tuple t;
	static const uint8_t zero[12];

	memset(&t, 0, sizeof(t));
	t.family = MS_FAMILY_INET6;
	memcpy(t.addr, addr, 16);
	ms_status_addr(mine, &t);
	/* The C library writes deprecated IPv4-compatible addresses (::a.b.c.d) its own way. */
	if (memcmp(addr, zero, sizeof(zero)) == 0)
		return;
	CHECK(inet_ntop(AF_INET6, addr, libc, sizeof(libc)) != NULL);
	CHECK_STR(mine, libc);
}

static void ipv6_addresses_as_rfc5952_writes_them(void)
{
	static const char *const samples[] = {
		"fd00::2",
		"::1",
		"1::",
		"2001:db8::1:0:0:1",
		"2001:db8:0:1:1:1:1:1",
		"fe80::1:2",
		"::ffff:192.0.2.1",
		"2001:0:0:1::1",
		"1:0:0:2:0:0:0:3",
		"0:1:0:1:0:1:0:1",
	};
	char mine[MS_STATUS_ADDR_MAX];
	struct ms_tuple t;
	uint8_t addr[16];
	unsigned i, j;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		t = tuple6(samples[i]);
		check_addr_like_inet_ntop(t.addr);
	}
	t = tuple6("::102:304");
	ms_status_addr(mine, &t);
	CHECK_STR(mine, "::102:304");
	t.family = MS_FAMILY_INET;
	memset(t.addr, 0, sizeof(t.addr));
	t.addr[0] = 192, t.addr[1] = 168, t.addr[3] = 255;
	ms_status_addr(mine, &t);
	CHECK_STR(mine, "192.168.0.255");
	/* Random groups, each zero half of the time: every shape of zero run. */
	srand(12345);
	for (i = 0; i < 200000; i++) {
		for (j = 0; j < 8; j++) {
			unsigned group = rand() & 1 ? (unsigned) rand() & 0xffff : 0;

			if (rand() % 4 == 0)
				group &= 0xf;
			addr[2 * j] = (uint8_t) (group >> 8);
			addr[2 * j + 1] = (uint8_t) group;
		}
		check_addr_like_inet_ntop(addr);
	}
}

int main(void)
{
	RUN(header_records);
	RUN(registration_records);
	RUN(records_never_pass_their_buffer);
	RUN(ipv6_addresses_as_rfc5952_writes_them);
	return ms_test_failures != 0;
}
