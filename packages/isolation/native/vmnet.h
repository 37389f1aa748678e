/* vmnet.c: the guest's network interfaces (kvm pods on CNI networks). Functions return 0, or
 * -1 with a message in e. */
#ifndef RKT_ISOLATION_VMNET_H
#define RKT_ISOLATION_VMNET_H

#include <net/if.h>
#include <stddef.h>

/* The interface whose MAC address is mac (aa:bb:...), into ifname; -1 when there is none. */
int vmnet_ifname_by_mac(const char *mac, char ifname[IF_NAMESIZE]);
/* Adds address cidr (IPv4 or IPv6) to ifname (the nth IPv4 address goes on alias ifname:nth)
 * and brings the interface up. */
int vmnet_address(const char *ifname, int nth, const char *cidr, char *e, size_t n);
/* A route to dst (CIDR) through ifname, via gw (NULL: on link). */
int vmnet_route(const char *ifname, const char *dst, const char *gw, char *e, size_t n);

#endif
