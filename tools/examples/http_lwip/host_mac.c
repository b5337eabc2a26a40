/* SPDX-License-Identifier: BSD-2-Clause */
/* Finds the NIC's Ethernet address from the kernel's interfaces. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_mac.h"

int host_mac_of_address(struct in_addr addr, uint8_t mac[6])
{
	struct ifaddrs *all, *ifa;
	struct ifreq ifr;
	int found = 0, sock, ok;

	if (getifaddrs(&all) != 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	for (ifa = all; ifa != NULL && !found; ifa = ifa->ifa_next) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *) ifa->ifa_addr;

		if (sin != NULL && sin->sin_family == AF_INET &&
		    sin->sin_addr.s_addr == addr.s_addr) {
			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifa->ifa_name);
			found = 1;
		}
	}
	freeifaddrs(all);
	if (!found) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0)
		return -1;
	ok = ioctl(sock, SIOCGIFHWADDR, &ifr) == 0;
	close(sock);
	if (!ok)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

int host_mac_parse(const char *text, uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (sscanf(text, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) !=
	    6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t) b[i];
	}
	return 0;
}
