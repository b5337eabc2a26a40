/* SPDX-License-Identifier: BSD-2-Clause */
/* The HTTP request parser and responses of tools/examples/http_lwip (http_proto.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_body.h"
#include "http_proto.h"

static int failures;

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                \
		}                                                                  \
	} while (0)

/* Parses text (complete); the request, with status -1 if the parser wanted more. */
static struct http_request parse(const char *text)
{
	struct http_request req;

	if (!http_parse_request(text, strlen(text), &req))
		req.status = -1;
	return req;
}

static void test_statuses(void)
{
	struct http_request r;

	r = parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	CHECK(r.status == 200 && r.keep_alive && !r.head_only);
	CHECK(r.consumed == strlen("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
	CHECK(parse("GET /?x=1 HTTP/1.1\r\nHost: a\r\n\r\n").status == 200);
	CHECK(parse("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n").head_only == 1);
	CHECK(parse("GET /x HTTP/1.1\r\nHost: a\r\n\r\n").status == 404);
	CHECK(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").status == 405);
	CHECK(parse("DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n").status == 405);
	/* 400: no Host in 1.1, two Hosts, a body, garbage, a bad version, a bad header */
	CHECK(parse("GET / HTTP/1.1\r\n\r\n").status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n").status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").status ==
	      400);
	CHECK(parse("hello\r\n\r\n").status == 400);
	CHECK(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n").status == 400);
	CHECK(parse("GET x HTTP/1.1\r\nHost: a\r\n\r\n").status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n").status == 400);
	CHECK(parse("GET / HTTP/1.1\r\n folded\r\nHost: a\r\n\r\n").status == 400);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keep_alive == 1);
	CHECK(parse("hello\r\n\r\n").keep_alive == 0);
}

static void test_connection(void)
{
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keep_alive == 0);
	CHECK(parse("GET / HTTP/1.0\r\n\r\n").keep_alive == 0);
	CHECK(parse("GET / HTTP/1.0\r\nconnection:  Keep-Alive \r\n\r\n").keep_alive == 1);
}

static void test_incomplete_and_pipelined(void)
{
	const char *two = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_request req;

	for (size_t len = 0; len < strlen("GET / HTTP/1.1\r\nHost: a\r\n\r\n"); len++)
		CHECK(http_parse_request(two, len, &req) == 0);
	CHECK(http_parse_request(two, strlen(two), &req) == 1 && req.status == 200);
	CHECK(http_parse_request(two + req.consumed, strlen(two) - req.consumed, &req) == 1 &&
	      req.status == 404);
}

static void test_response(void)
{
	struct http_request req;
	const unsigned char body[3] = { 1, 2, 3 }, *out;
	size_t out_len, n;
	char head[256];

	req = parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	n = http_response(&req, body, sizeof(body), head, sizeof(head), &out, &out_len);
	CHECK(n == strlen(head) && out == body && out_len == 3);
	CHECK(strncmp(head, "HTTP/1.1 200 OK\r\n", 17) == 0);
	CHECK(strstr(head, "Content-Length: 3\r\n") != NULL);
	CHECK(strstr(head, "Connection: keep-alive\r\n") != NULL);
	req = parse("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
	http_response(&req, body, sizeof(body), head, sizeof(head), &out, &out_len);
	CHECK(strstr(head, "Content-Length: 3\r\n") != NULL && out_len == 0);
	req = parse("PUT / HTTP/1.1\r\nHost: a\r\n\r\n");
	http_response(&req, body, sizeof(body), head, sizeof(head), &out, &out_len);
	CHECK(strncmp(head, "HTTP/1.1 405 ", 13) == 0 && strstr(head, "Allow: GET, HEAD\r\n"));
	CHECK(out_len == strlen((const char *) out));
	http_bad_request(&req);
	http_response(&req, body, sizeof(body), head, sizeof(head), &out, &out_len);
	CHECK(strncmp(head, "HTTP/1.1 400 ", 13) == 0 && strstr(head, "Connection: close\r\n"));
	CHECK(http_response(&req, body, sizeof(body), head, 20, &out, &out_len) == 0);
}

static void test_body_pattern(void)
{
	unsigned char body[4096];
	int same = 0;

	http_body_fill(body, sizeof(body));
	for (size_t i = 0; i < sizeof(body); i++)
		CHECK(body[i] == http_body_byte(i));
	/* a stretch shifted by a segment's worth must not look the same */
	for (size_t i = 0; i + 1460 < sizeof(body); i++)
		same += body[i] == body[i + 1460];
	CHECK(same < 100);
}

int main(void)
{
	test_statuses();
	test_connection();
	test_incomplete_and_pipelined();
	test_response();
	test_body_pattern();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
