/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP/1.1 server on lwIP's raw TCP API.  Each connection keeps the bytes of
 * requests not answered yet and the part of the current response lwIP has not taken;
 * lwIP's sent callback asks for more as the client acknowledges.  Everything runs on the
 * thread that drives lwIP.
 */
#include <stdlib.h>
#include <string.h>

#include "http_proto.h"
#include "http_server.h"
#include "lwip/tcp.h"

struct http_server_stats http_server_stats;

static const unsigned char *served;
static size_t served_len;

struct conn {
	struct tcp_pcb *pcb;
	char in[HTTP_REQUEST_MAX]; /* request bytes not answered yet */
	size_t in_len;
	const unsigned char *out; /* the rest of the current response's body */
	size_t out_left;
	int responding;	 /* a response is being queued: later requests wait */
	int close_after; /* close once the current response is queued */
	int peer_done;	 /* the client sent FIN: nothing more will come */
};

static void conn_free(struct conn *c)
{
	tcp_arg(c->pcb, NULL);
	tcp_recv(c->pcb, NULL);
	tcp_sent(c->pcb, NULL);
	tcp_err(c->pcb, NULL);
	tcp_poll(c->pcb, NULL, 0);
	free(c);
}

/* A clean close: lwIP sends FIN after what is queued.  If it cannot yet, the poll retries. */
static void conn_close(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	c->close_after = 1;
	if (tcp_close(pcb) == ERR_OK)
		conn_free(c);
}

/* Hands lwIP as much of the current body as it takes now. */
static void push_body(struct conn *c)
{
	while (c->out_left > 0) {
		size_t room = tcp_sndbuf(c->pcb);
		size_t n = c->out_left < room ? c->out_left : room;

		if (n == 0 || tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN)
			break;
		if (n > 0xffff)
			n = 0xffff; /* tcp_write takes a u16_t */
		if (tcp_write(c->pcb, c->out, (u16_t) n,
			      n < c->out_left ? TCP_WRITE_FLAG_MORE : 0) != ERR_OK)
			break; /* out of memory for now: the sent callback tries again */
		c->out += n;
		c->out_left -= n;
	}
	tcp_output(c->pcb);
	if (c->out_left == 0)
		c->responding = 0;
}

/*
 * Queues the response to req; 0, or -1 if lwIP has no room for its head yet (the
 * request stays where it is and is answered when the sent or poll callback comes).
 */
static int respond(struct conn *c, const struct http_request *req)
{
	char head[256];
	const unsigned char *body;
	size_t body_len;
	size_t head_len =
	    http_response(req, served, served_len, head, sizeof(head), &body, &body_len);

	if (tcp_sndbuf(c->pcb) < head_len || tcp_sndqueuelen(c->pcb) + 1 >= TCP_SND_QUEUELEN ||
	    tcp_write(c->pcb, head, (u16_t) head_len, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE) !=
		ERR_OK)
		return -1;
	c->out = body;
	c->out_left = body_len;
	c->responding = 1;
	c->close_after = !req->keep_alive;
	http_server_stats.responses++;
	push_body(c);
	return 0;
}

/* Answers the requests received so far, in order, while nothing is being sent. */
static void serve(struct conn *c)
{
	while (!c->responding && !c->close_after) {
		struct http_request req;

		if (!http_parse_request(c->in, c->in_len, &req)) {
			if (c->in_len < sizeof(c->in) && !(c->peer_done && c->in_len > 0)) {
				if (c->peer_done)
					conn_close(c); /* all answered, and the client is done */
				return;
			}
			http_bad_request(&req); /* too long, or cut short by FIN */
			req.consumed = c->in_len;
		}
		if (respond(c, &req) != 0)
			return; /* no room yet: the sent or poll callback comes back here */
		memmove(c->in, c->in + req.consumed, c->in_len - req.consumed);
		c->in_len -= req.consumed;
	}
	if (!c->responding && c->close_after)
		conn_close(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct conn *c = arg;

	(void) pcb, (void) len;
	if (c->responding)
		push_body(c);
	serve(c);
	return ERR_OK; /* serve() may have freed c; the pcb is lwIP's to free */
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;

	if (p == NULL) {
		c->peer_done = 1;
		serve(c);
		return ERR_OK;
	}
	if (err != ERR_OK) {
		pbuf_free(p);
		return err;
	}
	tcp_recved(pcb, p->tot_len);
	if (c->close_after) { /* answering 400 or closing: later bytes are dropped */
		pbuf_free(p);
		return ERR_OK;
	}
	if (p->tot_len > sizeof(c->in) - c->in_len) {
		/* More than a request head can hold: keep what fits; the parser says 400. */
		c->in_len +=
		    pbuf_copy_partial(p, c->in + c->in_len, (u16_t) (sizeof(c->in) - c->in_len), 0);
	} else {
		c->in_len += pbuf_copy_partial(p, c->in + c->in_len, p->tot_len, 0);
	}
	pbuf_free(p);
	serve(c);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	(void) err;
	http_server_stats.errors++;
	free(arg); /* lwIP has freed the pcb already */
}

/* Every 2 s while a connection lives: a close or a body lwIP could not take then. */
static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct conn *c = arg;

	(void) pcb;
	if (c->responding)
		push_body(c);
	serve(c);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c;

	(void) arg;
	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ERR_MEM; /* lwIP aborts the connection */
	c->pcb = pcb;
	http_server_stats.connections++;
	tcp_nagle_disable(pcb); /* a response's last segment goes out without waiting */
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, 4);
	return ERR_OK;
}

int http_server_start(const ip4_addr_t *addr, uint16_t port, const unsigned char *body,
		      size_t body_len)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4), *listening;
	ip_addr_t local;

	ip_addr_copy_from_ip4(local, *addr);
	served = body;
	served_len = body_len;
	if (pcb == NULL)
		return -1;
	if (tcp_bind(pcb, &local, port) != ERR_OK) {
		tcp_close(pcb);
		return -1;
	}
	listening = tcp_listen_with_backlog(pcb, 64);
	if (listening == NULL) {
		tcp_close(pcb);
		return -1;
	}
	tcp_accept(listening, on_accept);
	return 0;
}
