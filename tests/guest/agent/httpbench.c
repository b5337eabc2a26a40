/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * httpbench: the guest's HTTP side of the user-level TCP stack scenario (http_lwip.sh).
 *
 *   serve ADDR PORT BODY_BYTES READY_FILE   a kernel-socket HTTP/1.1 server (a thread per
 *                                connection), answering as tools/examples/http_lwip does
 *                                (the same http_proto.c), until killed
 *   get ADDR PORT REQUESTS CONNECTIONS BODY_BYTES   REQUESTS GETs of "/" over CONNECTIONS
 *                                keep-alive connections at once; every status, length and
 *                                body byte checked; prints requests/s and MB/s
 *   status ADDR PORT CODE REQUEST   sends REQUEST ("\r\n" written as \r\n), expects CODE
 *   kbind ADDR PORT ERRNO        a kernel TCP bind() of ADDR:PORT fails with ERRNO (or OK)
 *   probe IFNAME DSTMAC DSTIP DPORT VARIANT reply|none   sends one TCP SYN from IFNAME over
 *                                a packet socket, well formed (good) or broken (tcpsum,
 *                                ipsum, trunc, runt), and expects an answer from
 *                                DSTIP:DPORT within 1.5 s or none
 *
 * Small and static, so the initramfs needs no Python or curl.  Exit status 0 when the
 * expectation holds, 1 otherwise, 2 for bad usage.
 */
#define _GNU_SOURCE /* memmem, strerrorname_np */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_body.h"
#include "http_proto.h"

static int usage(void)
{
	fputs("usage: httpbench serve ADDR PORT BODY_BYTES READY_FILE\n"
	      "       httpbench get ADDR PORT REQUESTS CONNECTIONS BODY_BYTES\n"
	      "       httpbench status ADDR PORT CODE REQUEST\n"
	      "       httpbench kbind ADDR PORT ERRNO|OK\n"
	      "       httpbench probe IFNAME DSTMAC DSTIP DPORT good|tcpsum|ipsum|trunc|runt "
	      "reply|none\n",
	      stderr);
	return 2;
}

static struct sockaddr_in address(const char *addr, const char *port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t) atoi(port));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "httpbench: bad address %s\n", addr);
		exit(2);
	}
	return sin;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

/* ---- serve: the kernel stack's server ---- */

static const unsigned char *served;
static size_t served_len;

static void *serve_connection(void *arg)
{
	int fd = (int) (intptr_t) arg;
	char in[HTTP_REQUEST_MAX];
	size_t have = 0;

	for (;;) {
		struct http_request req;
		const unsigned char *body;
		size_t body_len, head_len;
		char head[256];

		if (!http_parse_request(in, have, &req)) {
			ssize_t n;

			if (have == sizeof(in)) {
				http_bad_request(&req);
				req.consumed = have;
			} else {
				n = recv(fd, in + have, sizeof(in) - have, 0);
				if (n <= 0)
					break;
				have += (size_t) n;
				continue;
			}
		}
		head_len =
		    http_response(&req, served, served_len, head, sizeof(head), &body, &body_len);
		if (send_all(fd, head, head_len) != 0 || send_all(fd, body, body_len) != 0)
			break;
		memmove(in, in + req.consumed, have - req.consumed);
		have -= req.consumed;
		if (!req.keep_alive)
			break;
	}
	shutdown(fd, SHUT_WR); /* a clean close: FIN after the last byte */
	close(fd);
	return NULL;
}

static int cmd_serve(char **argv)
{
	struct sockaddr_in sin = address(argv[0], argv[1]);
	size_t len = strtoull(argv[2], NULL, 10);
	unsigned char *body = malloc(len ? len : 1);
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (body == NULL || lfd < 0)
		return 1;
	http_body_fill(body, len);
	served = body;
	served_len = len;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *) &sin, sizeof(sin)) != 0 || listen(lfd, 64) != 0) {
		perror("httpbench serve: bind");
		return 1;
	}
	printf("httpbench: kernel server on http://%s:%s/ (%zu bytes)\n", argv[0], argv[1], len);
	fflush(stdout);
	close(open(argv[3], O_CREAT | O_WRONLY, 0644));
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, NULL, serve_connection, (void *) (intptr_t) fd) != 0)
			close(fd);
		else
			pthread_detach(t);
	}
}

/* ---- get: the client ---- */

struct reader {
	int fd;
	char buf[65536];
	size_t pos, len;
};

/* More bytes into r->buf (after compacting it); 0, or -1 on EOF, error or timeout. */
static int fill(struct reader *r)
{
	ssize_t n;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->len == sizeof(r->buf))
		return -1;
	n = recv(r->fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
	if (n <= 0)
		return -1;
	r->len += (size_t) n;
	return 0;
}

/* Reads a response head; its status and Content-Length, or -1 with a message in err. */
static int read_head(struct reader *r, int *status, long long *length, char *err, size_t errsz)
{
	char *end;

	for (;;) {
		end = memmem(r->buf + r->pos, r->len - r->pos, "\r\n\r\n", 4);
		if (end != NULL)
			break;
		if (fill(r) != 0) {
			snprintf(err, errsz, "connection ended before a response head");
			return -1;
		}
	}
	*end = '\0';
	*length = -1;
	if (sscanf(r->buf + r->pos, "HTTP/1.1 %d ", status) != 1) {
		snprintf(err, errsz, "bad status line: %.60s", r->buf + r->pos);
		return -1;
	}
	for (char *line = strstr(r->buf + r->pos, "\r\n"); line != NULL;
	     line = strstr(line + 2, "\r\n"))
		if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
			*length = strtoll(line + 17, NULL, 10);
	r->pos = (size_t) (end - r->buf) + 4;
	return 0;
}

struct get_job {
	struct sockaddr_in sin;
	long requests;
	size_t body_len;
	atomic_long next;   /* requests handed out */
	atomic_long done;   /* responses checked */
	atomic_llong bytes; /* body bytes checked */
	atomic_int failed;
	char error[256];
	pthread_mutex_t lock;
};

static void job_fail(struct get_job *job, const char *what)
{
	pthread_mutex_lock(&job->lock);
	if (!job->failed)
		snprintf(job->error, sizeof(job->error), "%s", what);
	job->failed = 1;
	pthread_mutex_unlock(&job->lock);
}

static void *get_worker(void *arg)
{
	struct get_job *job = arg;
	struct reader *r = calloc(1, sizeof(*r));
	struct timeval tv = { .tv_sec = 30 };
	char request[128], err[200];
	int one = 1, rcvbuf = 256 * 1024;

	if (r == NULL)
		return NULL;
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/*
	 * Real netmap's generic adapter (a veth NIC) sends each frame in an skb of its own pool
	 * and writes the next frame into it once its own reference is the last; the receiving
	 * side here may still queue a clone sharing that data (ip_rcv clones a shared skb).
	 * A receive buffer far below the NIC ring (1024 frames) keeps queued data from being
	 * overwritten before it is read.
	 */
	setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(r->fd, (struct sockaddr *) &job->sin, sizeof(job->sin)) != 0) {
		snprintf(err, sizeof(err), "connect: %s", strerror(errno));
		job_fail(job, err);
		goto out;
	}
	snprintf(request, sizeof(request), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
		 inet_ntoa(job->sin.sin_addr));
	while (!job->failed && atomic_fetch_add(&job->next, 1) < job->requests) {
		long long length;
		size_t off = 0;
		int status;

		if (send_all(r->fd, request, strlen(request)) != 0) {
			job_fail(job, "send failed");
			break;
		}
		if (read_head(r, &status, &length, err, sizeof(err)) != 0) {
			job_fail(job, err);
			break;
		}
		if (status != 200 || length != (long long) job->body_len) {
			snprintf(err, sizeof(err), "status %d, Content-Length %lld (want 200, %zu)",
				 status, length, job->body_len);
			job_fail(job, err);
			break;
		}
		while (off < job->body_len) {
			if (r->pos == r->len && fill(r) != 0) {
				snprintf(err, sizeof(err), "body cut at byte %zu of %zu", off,
					 job->body_len);
				job_fail(job, err);
				goto out;
			}
			for (; r->pos < r->len && off < job->body_len; r->pos++, off++)
				if ((unsigned char) r->buf[r->pos] != http_body_byte(off)) {
					snprintf(err, sizeof(err), "body byte %zu is wrong", off);
					job_fail(job, err);
					goto out;
				}
		}
		job->bytes += (long long) off;
		job->done++;
	}
out:
	close(r->fd);
	free(r);
	return NULL;
}

static int cmd_get(char **argv)
{
	static struct get_job job;
	long connections = atol(argv[3]);
	pthread_t threads[64];
	double start, seconds;

	job.sin = address(argv[0], argv[1]);
	job.requests = atol(argv[2]);
	job.body_len = strtoull(argv[4], NULL, 10);
	pthread_mutex_init(&job.lock, NULL);
	if (connections < 1 || connections > 64 || job.requests < 1)
		return usage();
	start = now();
	for (long i = 0; i < connections; i++)
		pthread_create(&threads[i], NULL, get_worker, &job);
	for (long i = 0; i < connections; i++)
		pthread_join(threads[i], NULL);
	seconds = now() - start;
	if (job.failed || job.done != job.requests) {
		fprintf(stderr, "httpbench get %s:%s: %ld of %ld responses checked: %s\n", argv[0],
			argv[1], (long) job.done, job.requests,
			job.failed ? job.error : "connections ended early");
		return 1;
	}
	printf("requests=%ld connections=%ld body_bytes=%lld seconds=%.3f requests_per_s=%.1f "
	       "MB_per_s=%.3f\n",
	       (long) job.done, connections, (long long) job.bytes, seconds,
	       (double) job.done / seconds, (double) job.bytes / seconds / 1e6);
	return 0;
}

/* ---- status: one raw request, the status expected ---- */

static int cmd_status(char **argv)
{
	struct sockaddr_in sin = address(argv[0], argv[1]);
	struct timeval tv = { .tv_sec = 10 };
	char request[1024], response[512];
	size_t len = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = 0;

	for (const char *p = argv[3]; *p && len < sizeof(request) - 1; p++) {
		if (p[0] == '\\' && (p[1] == 'r' || p[1] == 'n')) {
			request[len++] = p[1] == 'r' ? '\r' : '\n';
			p++;
		} else {
			request[len++] = *p;
		}
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0 ||
	    send_all(fd, request, len) != 0) {
		perror("httpbench status: connect");
		return 1;
	}
	n = recv(fd, response, sizeof(response) - 1, 0);
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "httpbench status: no response\n");
		return 1;
	}
	response[n] = '\0';
	sscanf(response, "HTTP/1.1 %d", &status);
	printf("%.*s\n", (int) strcspn(response, "\r"), response);
	return status == atoi(argv[2]) ? 0 : 1;
}

/* ---- kbind: the kernel's view of the port ---- */

static int cmd_kbind(char **argv)
{
	struct sockaddr_in sin = address(argv[0], argv[1]);
	int fd = socket(AF_INET, SOCK_STREAM, 0), err = 0;

	if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0)
		err = errno;
	close(fd);
	printf("bind %s:%s: %s\n", argv[0], argv[1], err ? strerrorname_np(err) : "OK");
	return strcmp(err ? strerrorname_np(err) : "OK", argv[2]) == 0 ? 0 : 1;
}

/* ---- probe: a raw SYN, answered or not ---- */

static uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t) (p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t) p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t) ~sum);
}

struct syn_frame {
	struct ether_header eth;
	struct iphdr ip;
	struct tcphdr tcp;
} __attribute__((packed));

static int cmd_probe(char **argv)
{
	const char *variant = argv[4];
	int want_reply = strcmp(argv[5], "reply") == 0;
	struct syn_frame f;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	struct in_addr dst;
	uint16_t sport = (uint16_t) (40000 + getpid() % 20000), dport = (uint16_t) atoi(argv[3]);
	unsigned mac[6];
	size_t len = sizeof(f);
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP)), replied = 0;
	double deadline;

	if (fd < 0 || inet_pton(AF_INET, argv[2], &dst) != 1 ||
	    sscanf(argv[1], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		   &mac[5]) != 6)
		return usage();
	memset(&f, 0, sizeof(f));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[0]);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0)
		return perror("httpbench probe: SIOCGIFHWADDR"), 1;
	memcpy(f.eth.ether_shost, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFADDR, &ifr) != 0)
		return perror("httpbench probe: SIOCGIFADDR"), 1;
	f.ip.saddr = ((struct sockaddr_in *) &ifr.ifr_addr)->sin_addr.s_addr;
	if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0)
		return perror("httpbench probe: SIOCGIFINDEX"), 1;
	for (int i = 0; i < 6; i++)
		f.eth.ether_dhost[i] = (uint8_t) mac[i];
	f.eth.ether_type = htons(ETHERTYPE_IP);
	f.ip.version = 4;
	f.ip.ihl = 5;
	f.ip.tot_len = htons(sizeof(f.ip) + sizeof(f.tcp));
	f.ip.ttl = 64;
	f.ip.protocol = IPPROTO_TCP;
	f.ip.daddr = dst.s_addr;
	f.ip.check = fold(sum16(&f.ip, sizeof(f.ip), 0));
	f.tcp.source = htons(sport);
	f.tcp.dest = htons(dport);
	f.tcp.seq = htonl(0x12345678);
	f.tcp.doff = 5;
	f.tcp.syn = 1;
	f.tcp.window = htons(8192);
	f.tcp.check = fold(sum16(&f.tcp, sizeof(f.tcp),
				 sum16(&f.ip.saddr, 8, IPPROTO_TCP + (uint32_t) sizeof(f.tcp))));
	if (strcmp(variant, "tcpsum") == 0)
		f.tcp.check ^= htons(0x0101);
	else if (strcmp(variant, "ipsum") == 0)
		f.ip.check ^= htons(0x0101);
	else if (strcmp(variant, "trunc") == 0)
		len = sizeof(f.eth) + sizeof(f.ip) + 8; /* the IP header promises 20 bytes of TCP */
	else if (strcmp(variant, "runt") == 0)
		len = sizeof(f.eth) + 10; /* not even an IP header */
	else if (strcmp(variant, "good") != 0)
		return usage();

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(fd, (struct sockaddr *) &sll, sizeof(sll)) != 0 ||
	    sendto(fd, &f, len, 0, (struct sockaddr *) &sll, sizeof(sll)) != (ssize_t) len)
		return perror("httpbench probe: send"), 1;
	deadline = now() + 1.5;
	while (!replied && now() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct syn_frame in;
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(fd, &in, sizeof(in), 0);
		if (n >= (ssize_t) sizeof(in) && in.ip.protocol == IPPROTO_TCP &&
		    in.ip.saddr == dst.s_addr && in.ip.ihl == 5 && in.tcp.source == htons(dport) &&
		    in.tcp.dest == htons(sport)) {
			printf("%s SYN to %s:%u answered with%s%s%s\n", variant, argv[2], dport,
			       in.tcp.syn ? " SYN" : "", in.tcp.ack ? " ACK" : "",
			       in.tcp.rst ? " RST" : "");
			replied = 1;
		}
	}
	if (!replied)
		printf("%s SYN to %s:%u: no answer in 1.5 s\n", variant, argv[2], dport);
	close(fd);
	return replied == want_reply ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argv + 2);
	if (argc == 7 && strcmp(argv[1], "get") == 0)
		return cmd_get(argv + 2);
	if (argc == 6 && strcmp(argv[1], "status") == 0)
		return cmd_status(argv + 2);
	if (argc == 5 && strcmp(argv[1], "kbind") == 0)
		return cmd_kbind(argv + 2);
	if (argc == 8 && strcmp(argv[1], "probe") == 0)
		return cmd_probe(argv + 2);
	return usage();
}
