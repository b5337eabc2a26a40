/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udp_echo: a user-level UDP echo server beside the kernel stack, on one NIC.
 *
 *     udp_echo [-r READY_FILE] [-n COUNT] PORT ADDR UDP_PORT
 *     udp_echo valem:vp0 10.0.0.1 7000
 *
 * It opens the netmap port PORT of the VALE switch that multistack serves with all its
 * rings, exclusively (PORT/x: that is how the module knows the port is ours), binds an
 * ordinary kernel UDP socket to ADDR:UDP_PORT (so that the kernel gives that port to no
 * one else) and registers the socket's tuple for PORT with ms_app_bind_tuple(), which
 * hands the socket to the kernel for as long as the registration lives.  From then on
 * the switch delivers datagrams for ADDR:UDP_PORT to PORT, and everything else (ARP, ping,
 * other ports) still to the kernel.  Each datagram is answered in place: Ethernet, IPv4
 * and UDP source and destination swapped, the UDP checksum computed afresh.  IPv4 only,
 * to stay short.
 *
 * Build: cc -I$NSRC/sys -I$NSRC/libnetmap -I<multistack>/common/include
 *        -I<multistack>/lib/include udp_echo.c $NBUILD/build-libnetmap/libnetmap.a -lpthread
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* netmap's and multistack's headers need the ones above */
#include <libnetmap.h>

#include "multistack/ms_app.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void) sig;
	stop = 1;
}

static void swap(void *a, void *b, size_t len)
{
	unsigned char tmp[16];

	memcpy(tmp, a, len);
	memcpy(a, b, len);
	memcpy(b, tmp, len);
}

static uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t) (p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t) p[0] << 8;
	return sum;
}

/*
 * The UDP checksum, computed afresh: a sender next door (a veth peer) may have left it
 * half done for an offload, which a frame copied through netmap never gets.
 */
static uint16_t udp_checksum(const struct ip *ip, struct udphdr *udp, size_t room)
{
	size_t len = ntohs(udp->uh_ulen);
	uint32_t sum;

	if (len < sizeof(*udp) || len > room)
		return 0;
	udp->uh_sum = 0;
	sum = sum16(&ip->ip_src, 8, IPPROTO_UDP + (uint32_t) len); /* pseudo-header */
	sum = sum16(udp, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	return htons(sum ? (uint16_t) sum : 0xffff);
}

/* Turns a datagram for us into its answer in place; 0 if the frame is not one. */
static int answer(uint8_t *frame, size_t len, struct in_addr addr, uint16_t port)
{
	struct ether_header *eth = (struct ether_header *) frame;
	struct ip *ip = (struct ip *) (eth + 1);
	struct udphdr *udp;
	size_t ihl;

	if (len < sizeof(*eth) + sizeof(*ip) + sizeof(*udp) ||
	    eth->ether_type != htons(ETHERTYPE_IP))
		return 0;
	ihl = (size_t) ip->ip_hl * 4;
	if (ip->ip_v != 4 || ip->ip_p != IPPROTO_UDP || ihl < sizeof(*ip) ||
	    len < sizeof(*eth) + ihl + sizeof(*udp) || ip->ip_dst.s_addr != addr.s_addr ||
	    (ntohs(ip->ip_off) & (IP_MF | IP_OFFMASK)) != 0)
		return 0;
	udp = (struct udphdr *) ((uint8_t *) ip + ihl);
	if (ntohs(udp->uh_dport) != port)
		return 0;
	swap(eth->ether_dhost, eth->ether_shost, ETHER_ADDR_LEN);
	swap(&ip->ip_src, &ip->ip_dst, sizeof(ip->ip_src));
	swap(&udp->uh_sport, &udp->uh_dport, sizeof(udp->uh_sport));
	if (udp->uh_sum != 0)
		udp->uh_sum = udp_checksum(ip, udp, len - sizeof(*eth) - ihl);
	return 1;
}

/* Moves every frame waiting on rx to tx, answered, and drops the rest; returns answers. */
static unsigned serve(struct nmport_d *d, struct in_addr addr, uint16_t port)
{
	struct netmap_ring *rx = NETMAP_RXRING(d->nifp, d->first_rx_ring);
	struct netmap_ring *tx = NETMAP_TXRING(d->nifp, d->first_tx_ring);
	unsigned answered = 0;

	while (!nm_ring_empty(rx)) {
		struct netmap_slot *rs = &rx->slot[rx->head];
		uint8_t *frame = (uint8_t *) NETMAP_BUF(rx, rs->buf_idx);

		if (nm_ring_space(tx) > 0 && answer(frame, rs->len, addr, port)) {
			struct netmap_slot *ts = &tx->slot[tx->head];

			memcpy(NETMAP_BUF(tx, ts->buf_idx), frame, rs->len);
			ts->len = rs->len;
			tx->head = tx->cur = nm_ring_next(tx, tx->head);
			answered++;
		}
		rx->head = rx->cur = nm_ring_next(rx, rx->head);
	}
	return answered;
}

static int usage(void)
{
	fprintf(stderr, "usage: udp_echo [-r READY_FILE] [-n COUNT] PORT ADDR UDP_PORT\n"
			"e.g.   udp_echo valem:vp0 10.0.0.1 7000\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *ready = NULL, *name;
	unsigned long limit = 0, total = 0;
	struct sockaddr_in sin;
	struct nmport_d *d;
	struct pollfd pfd;
	struct ms_req tuple;
	char spec[64];
	int opt, sock;

	while ((opt = getopt(argc, argv, "r:n:")) != -1) {
		if (opt == 'r')
			ready = optarg;
		else if (opt == 'n')
			limit = strtoul(optarg, NULL, 10);
		else
			return usage();
	}
	if (argc - optind != 3)
		return usage();
	name = argv[optind];
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t) atoi(argv[optind + 2]));
	if (inet_pton(AF_INET, argv[optind + 1], &sin.sin_addr) != 1)
		return usage();

	/* The kernel socket is the proof of ownership; BIND hands it to the kernel. */
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *) &sin, sizeof(sin)) != 0) {
		perror("udp_echo: bind");
		return 1;
	}
	if (snprintf(spec, sizeof(spec), "%s/x", name) >= (int) sizeof(spec))
		return usage();
	d = nmport_open(spec);
	if (d == NULL) {
		fprintf(stderr, "udp_echo: cannot open netmap port %s: %s\n", name,
			strerror(errno));
		return 1;
	}
	if (ms_app_bind_tuple(d->fd, name, sock, &tuple) != 0) {
		fprintf(stderr, "udp_echo: multistack: %s\n", ms_app_strerror(errno));
		nmport_close(d);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("udp_echo: serving udp %s:%s on %s\n", argv[optind + 1], argv[optind + 2], name);
	fflush(stdout);
	if (ready != NULL)
		close(open(ready, O_CREAT | O_WRONLY, 0644));

	pfd.fd = d->fd;
	pfd.events = POLLIN;
	while (!stop && (limit == 0 || total < limit)) {
		unsigned n;

		if (poll(&pfd, 1, 500) <= 0)
			continue;
		n = serve(d, sin.sin_addr, ntohs(sin.sin_port));
		if (n > 0) {
			ioctl(d->fd, NIOCTXSYNC, NULL);
			total += n;
			printf("udp_echo: %lu answered\n", total);
			fflush(stdout);
		}
	}
	/* Closing the port drops the registration too; UNBIND first is the polite way. */
	if (ms_app_unbind(d->fd, name, &tuple) != 0)
		fprintf(stderr, "udp_echo: unbind: %s\n", ms_app_strerror(errno));
	nmport_close(d);
	return 0;
}
