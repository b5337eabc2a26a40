/* SPDX-License-Identifier: BSD-2-Clause */
/* The ownership proof and registration of the server's TCP tuple (ms_app.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "multistack/ms_app.h"
#include "tuple_claim.h"

int tuple_claim(int netmap_fd, const char *port_name, struct in_addr addr, uint16_t tcp_port,
		struct ms_req *tuple)
{
	struct sockaddr_in sin;
	int sock;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = addr;
	sin.sin_port = htons(tcp_port);
	/* Bound, not listening: the kernel never sees this tuple's segments once registered. */
	sock = socket(AF_INET, SOCK_STREAM, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *) &sin, sizeof(sin)) != 0) {
		fprintf(stderr, "http_lwip: kernel socket for tcp port %u: %s\n", tcp_port,
			strerror(errno));
		if (sock >= 0)
			close(sock);
		return -1;
	}
	if (ms_app_bind_tuple(netmap_fd, port_name, sock, tuple) != 0) {
		fprintf(stderr, "http_lwip: multistack BIND on %s: %s\n", port_name,
			ms_app_strerror(errno));
		close(sock); /* refused: the socket is still ours */
		return -1;
	}
	return 0; /* sock belongs to the kernel now */
}
