/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP/1.1 requests parsed and responses formed (RFC 9110, 9112), without I/O. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_proto.h"

/* Where the head ends ("\r\n\r\n"), or NULL while it has not come. */
static const char *head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return buf + i;
	return NULL;
}

/* The first "\r\n" from p on that ends before limit, or NULL (buf holds no NUL). */
static const char *find_crlf(const char *p, const char *limit)
{
	for (; p + 1 < limit; p++)
		if (p[0] == '\r' && p[1] == '\n')
			return p;
	return NULL;
}

/* RFC 9110's tchar: what a method or a header name is made of. */
static int is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int token_len(const char *s, const char *end)
{
	int n = 0;

	while (s + n < end && is_token_char(s[n]))
		n++;
	return n;
}

/* Whether a header value (OWS trimmed) equals word, case aside. */
static int value_is(const char *value, const char *end, const char *word)
{
	size_t n = strlen(word);

	while (value < end && (*value == ' ' || *value == '\t'))
		value++;
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (size_t) (end - value) == n && strncasecmp(value, word, n) == 0;
}

void http_bad_request(struct http_request *req)
{
	req->status = 400;
	req->head_only = 0;
	req->keep_alive = 0; /* the stream cannot be trusted any more */
}

/*
 * The header lines from line to end, where the head's final "\r\n\r\n" starts (each
 * "Name: value\r\n"); 0 if one is malformed.
 */
static int parse_headers(const char *line, const char *end, int http11, struct http_request *req)
{
	int has_host = 0;

	while (line < end) {
		const char *eol = find_crlf(line, end + 2); /* found: the head ends in one */
		const char *colon;
		int name;

		name = token_len(line, eol);
		colon = line + name;
		if (name == 0 || colon >= eol || *colon != ':')
			return 0; /* no name, or space before the colon */
		if (name == 4 && strncasecmp(line, "Host", 4) == 0)
			has_host++;
		else if (name == 10 && strncasecmp(line, "Connection", 10) == 0) {
			if (value_is(colon + 1, eol, "close"))
				req->keep_alive = 0;
			else if (value_is(colon + 1, eol, "keep-alive"))
				req->keep_alive = 1;
		} else if (name == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
			if (!value_is(colon + 1, eol, "0"))
				return 0; /* a request body: not accepted here */
		} else if (name == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0)
			return 0;
		line = eol + 2;
	}
	/* RFC 9112 3.2: an HTTP/1.1 request has exactly one Host header. */
	return !http11 || has_host == 1;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	const char *end = head_end(buf, len);
	const char *p = buf, *eol, *target, *version;
	int method, http11, target_len;

	if (end == NULL)
		return 0;
	memset(req, 0, sizeof(*req));
	req->consumed = (size_t) (end - buf) + 4;
	eol = find_crlf(buf, end + 2); /* found: at end at the latest */
	/* request-line = method SP request-target SP HTTP-version */
	method = token_len(p, eol);
	target = p + method + 1;
	version = target;
	while (version < eol && *version != ' ')
		version++;
	target_len = (int) (version - target);
	version++;
	if (method == 0 || p[method] != ' ' || target_len <= 0 || version + 8 != eol ||
	    *target != '/') {
		http_bad_request(req);
		return 1;
	}
	if (memcmp(version, "HTTP/1.1", 8) == 0)
		http11 = 1;
	else if (memcmp(version, "HTTP/1.0", 8) == 0)
		http11 = 0;
	else {
		http_bad_request(req);
		return 1;
	}
	req->keep_alive = http11; /* 1.1 keeps the connection unless told; 1.0 closes it */
	if (!parse_headers(eol + 2, end, http11, req)) {
		http_bad_request(req);
		return 1;
	}
	if (method == 3 && memcmp(p, "GET", 3) == 0)
		req->status = 200;
	else if (method == 4 && memcmp(p, "HEAD", 4) == 0)
		req->status = 200, req->head_only = 1;
	else
		req->status = 405;
	/* The path is "/" (a query string aside); anything else is not here. */
	if (req->status == 200 && !(target_len == 1 || target[1] == '?'))
		req->status = 404;
	return 1;
}

size_t http_response(const struct http_request *req, const unsigned char *resource,
		     size_t resource_len, char *head, size_t head_size, const unsigned char **body,
		     size_t *body_len)
{
	static const char not_found[] = "not found\n", bad_method[] = "method not allowed\n",
			  bad_request[] = "bad request\n";
	const char *reason = "OK", *type = "application/octet-stream", *extra = "";
	int n;

	*body = resource;
	*body_len = resource_len;
	if (req->status != 200) {
		const char *text = req->status == 404	? not_found
				   : req->status == 405 ? bad_method
							: bad_request;

		reason = req->status == 404   ? "Not Found"
			 : req->status == 405 ? "Method Not Allowed"
					      : "Bad Request";
		type = "text/plain";
		extra = req->status == 405 ? "Allow: GET, HEAD\r\n" : "";
		*body = (const unsigned char *) text;
		*body_len = strlen(text);
	}
	n = snprintf(head, head_size,
		     "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nContent-Type: %s\r\n%s"
		     "Connection: %s\r\n\r\n",
		     req->status, reason, *body_len, type, extra,
		     req->keep_alive ? "keep-alive" : "close");
	if (req->head_only)
		*body_len = 0;
	return n < 0 || (size_t) n >= head_size ? 0 : (size_t) n;
}
