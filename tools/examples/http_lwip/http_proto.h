/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * HTTP/1.1 without I/O: a request parsed from the bytes received so far, and the response
 * to it.  Shared by the lwIP server and by the guest tests' kernel server, so the two
 * answer alike.  One resource is served, "/", as GET or HEAD; request bodies are refused.
 */
#ifndef HTTP_LWIP_HTTP_PROTO_H
#define HTTP_LWIP_HTTP_PROTO_H

#include <stddef.h>

#define HTTP_REQUEST_MAX 4096 /* a request head longer than this is answered 400 */

struct http_request {
	int status;	 /* 200, or 400, 404, 405 */
	int head_only;	 /* HEAD: the headers without the body */
	int keep_alive;	 /* the connection stays open after the response */
	size_t consumed; /* bytes of the buffer the request took */
};

/*
 * Parses the request at the start of buf.  Returns 0 while it is incomplete (if len
 * reaches HTTP_REQUEST_MAX, the caller answers http_bad_request()), else 1 with req
 * filled; a malformed request gets status 400 and no keep-alive.
 */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* A request that could not be parsed (too long, or the connection ended mid-request). */
void http_bad_request(struct http_request *req);

/*
 * The response to req: its head written to head (at most head_size bytes; its length is
 * returned, 0 if too small), and in *body and *body_len what follows it: the served body
 * (resource, resource_len) for 200, a short text for the errors, nothing for HEAD.
 */
size_t http_response(const struct http_request *req, const unsigned char *resource,
		     size_t resource_len, char *head, size_t head_size, const unsigned char **body,
		     size_t *body_len);

#endif /* HTTP_LWIP_HTTP_PROTO_H */
