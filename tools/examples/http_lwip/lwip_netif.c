/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The netif driver: moves Ethernet frames between lwIP and a frame_port.  lwIP runs in
 * one thread (no tcpip thread: the caller's loop feeds input and runs the timers), so
 * these functions are called with nothing else inside lwIP.
 */
#include <errno.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip_netif.h"
#include "netif/ethernet.h"

#define FRAME_MAX 1518 /* an Ethernet frame with a VLAN tag, without its FCS */

static err_t link_output(struct netif *netif, struct pbuf *p)
{
	struct port_netif *pn = netif->state;
	unsigned char frame[FRAME_MAX];
	const void *data = p->payload;

	if (p->tot_len > sizeof(frame)) {
		pn->tx_dropped++;
		return ERR_IF;
	}
	if (p->next != NULL) { /* a chain: the port wants the frame in one piece */
		pbuf_copy_partial(p, frame, p->tot_len, 0);
		data = frame;
	}
	if (frame_port_send(pn->port, data, p->tot_len) != 0) {
		pn->tx_dropped++; /* TCP sends it again; nothing else waits on this */
		return ERR_IF;
	}
	pn->tx_frames++;
	return ERR_OK;
}

static err_t init_netif(struct netif *netif)
{
	netif->name[0] = 'm';
	netif->name[1] = 's';
	netif->mtu = 1500;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	/* No MLD, IGMP or IPv6 link-local address: the switch would drop what they send. */
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	netif->output = etharp_output;
	netif->linkoutput = link_output;
	return ERR_OK;
}

int port_netif_add(struct port_netif *pn, struct frame_port *port, const uint8_t mac[6],
		   const ip4_addr_t *addr, const ip4_addr_t *netmask)
{
	ip4_addr_t no_gateway;

	memset(pn, 0, sizeof(*pn));
	pn->port = port;
	memcpy(pn->netif.hwaddr, mac, ETH_HWADDR_LEN);
	ip4_addr_set_zero(&no_gateway);
	/* ethernet_input straight: frames come in on lwIP's own thread, never another. */
	if (netif_add(&pn->netif, addr, netmask, &no_gateway, pn, init_netif, ethernet_input) ==
	    NULL)
		return -1;
	netif_set_default(&pn->netif);
	netif_set_link_up(&pn->netif);
	netif_set_up(&pn->netif);
	return 0;
}

unsigned port_netif_input(struct port_netif *pn, unsigned budget)
{
	unsigned n;

	for (n = 0; n < budget; n++) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, FRAME_MAX, PBUF_RAM);
		int len;

		if (p == NULL)
			break;
		/* Received straight into the pbuf: one copy from the port, none after. */
		len = frame_port_recv(pn->port, p->payload, FRAME_MAX);
		if (len <= 0) {
			pbuf_free(p);
			break;
		}
		pbuf_realloc(p, (u16_t) len);
		pn->rx_frames++;
		if (pn->netif.input(p, &pn->netif) != ERR_OK)
			pbuf_free(p);
	}
	return n;
}

void port_netif_remove(struct port_netif *pn)
{
	netif_set_down(&pn->netif);
	netif_remove(&pn->netif);
}
