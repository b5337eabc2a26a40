/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_lwip: an HTTP/1.1 server on lwIP, a user-level TCP stack, beside the kernel's
 * stack on one NIC through multistack.
 *
 *     http_lwip [-r READY_FILE] [-s BODY_BYTES] [-m MAC] PORT ADDR/PREFIX TCP_PORT
 *     http_lwip -s 1048576 valem:vp0 10.0.0.1/24 80
 *
 * It opens the multistack port PORT exclusively, claims tcp ADDR:TCP_PORT for it (a
 * kernel socket bound to the tuple handed over with BIND), and serves a body of
 * BODY_BYTES at "/" from lwIP, which gets the frames the switch delivers to PORT.  The
 * kernel keeps ADDR and everything else on it.  lwIP runs on this one thread: the loop
 * below feeds it frames and runs its timers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame_port.h"
#include "host_mac.h"
#include "http_body.h"
#include "http_server.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "lwip_netif.h"
#include "multistack/ms_app.h"
#include "tuple_claim.h"

#define INPUT_BATCH 256 /* frames taken from the port before lwIP's output is flushed */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void) sig;
	stop = 1;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: http_lwip [-r READY_FILE] [-s BODY_BYTES] [-m MAC] PORT ADDR/PREFIX "
		"TCP_PORT\n"
		"e.g.   http_lwip -s 1048576 valem:vp0 10.0.0.1/24 80\n"
		"MAC defaults to that of the kernel interface holding ADDR (the shared NIC).\n");
	return 2;
}

/* "10.0.0.1/24" into address and netmask; 0, or -1. */
static int parse_prefix(const char *text, struct in_addr *addr, struct in_addr *mask)
{
	char buf[32];
	char *slash;
	long bits;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int) sizeof(buf))
		return -1;
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	bits = strtol(slash + 1, NULL, 10);
	if (bits < 1 || bits > 32 || inet_pton(AF_INET, buf, addr) != 1)
		return -1;
	mask->s_addr = htonl(bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits));
	return 0;
}

/* Runs lwIP until a signal: frames in, timers, frames out. */
static void run(struct port_netif *pn)
{
	struct pollfd pfd = { .fd = frame_port_fd(pn->port), .events = POLLIN };

	while (!stop) {
		u32_t sleep_ms = sys_timeouts_sleeptime();

		poll(&pfd, 1, sleep_ms > 100 ? 100 : (int) sleep_ms);
		while (port_netif_input(pn, INPUT_BATCH) == INPUT_BATCH)
			frame_port_flush(pn->port);
		sys_check_timeouts();
		frame_port_flush(pn->port);
	}
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *name, *mac_text = NULL;
	unsigned long long body_len = 1024;
	struct in_addr addr, mask;
	ip4_addr_t lwip_addr, lwip_mask;
	unsigned char *body;
	struct frame_port *port;
	struct port_netif pn;
	struct ms_req tuple;
	uint8_t mac[6];
	long tcp_port;
	int opt;

	while ((opt = getopt(argc, argv, "r:s:m:")) != -1) {
		if (opt == 'r')
			ready = optarg;
		else if (opt == 's')
			body_len = strtoull(optarg, NULL, 10);
		else if (opt == 'm')
			mac_text = optarg;
		else
			return usage();
	}
	if (argc - optind != 3 || parse_prefix(argv[optind + 1], &addr, &mask) != 0)
		return usage();
	name = argv[optind];
	tcp_port = strtol(argv[optind + 2], NULL, 10);
	if (tcp_port < 1 || tcp_port > 65535 || body_len > (1ull << 32))
		return usage();
	if (mac_text != NULL ? host_mac_parse(mac_text, mac) != 0
			     : host_mac_of_address(addr, mac) != 0) {
		fprintf(stderr, "http_lwip: no Ethernet address for %s (-m MAC): %s\n",
			argv[optind + 1], strerror(errno));
		return 1;
	}
	body = malloc(body_len ? body_len : 1);
	if (body == NULL) {
		perror("http_lwip: body");
		return 1;
	}
	http_body_fill(body, body_len);

	port = frame_port_open(name);
	if (port == NULL) {
		fprintf(stderr, "http_lwip: cannot open %s port %s: %s\n", frame_port_backend, name,
			strerror(errno));
		return 1;
	}
	if (tuple_claim(frame_port_fd(port), name, addr, (uint16_t) tcp_port, &tuple) != 0) {
		frame_port_close(port);
		return 1;
	}

	lwip_init();
	lwip_addr.addr = addr.s_addr;
	lwip_mask.addr = mask.s_addr;
	if (port_netif_add(&pn, port, mac, &lwip_addr, &lwip_mask) != 0 ||
	    http_server_start(&lwip_addr, (uint16_t) tcp_port, body, body_len) != 0) {
		fprintf(stderr, "http_lwip: lwIP refused the interface or the listening socket\n");
		frame_port_close(port);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("http_lwip: serving http://%s:%ld/ (%llu bytes) on %s port %s\n", inet_ntoa(addr),
	       tcp_port, body_len, frame_port_backend, name);
	fflush(stdout);
	if (ready != NULL)
		close(open(ready, O_CREAT | O_WRONLY, 0644));

	run(&pn);

	printf("http_lwip: %lu connections, %lu responses, %lu reset; frames %lu in, %lu out, "
	       "%lu dropped\n",
	       http_server_stats.connections, http_server_stats.responses, http_server_stats.errors,
	       pn.rx_frames, pn.tx_frames, pn.tx_dropped);
	/* Closing the port ends the registration too; UNBIND first is the polite way. */
	if (ms_app_unbind(frame_port_fd(port), name, &tuple) != 0)
		fprintf(stderr, "http_lwip: unbind: %s\n", ms_app_strerror(errno));
	frame_port_close(port);
	free(body);
	return 0;
}
