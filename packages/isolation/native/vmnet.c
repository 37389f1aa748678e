/* The guest's network interfaces for a kvm pod on CNI networks: each network's interface in
 * the pod's namespace (on the host) is wired to a tap device there, and the guest's virtio
 * NIC behind that tap carries the interface's MAC; here the guest finds its NIC by that MAC
 * and gives it the interface's addresses and routes (IPv4 and IPv6), with ioctls (no
 * netlink library in a static helper). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "vmnet.h"

/* Kernel's struct in6_ifreq (linux/ipv6.h), which glibc does not declare. */
struct vm_in6_ifreq {
  struct in6_addr addr;
  uint32_t prefixlen;
  int ifindex;
};

static int err(char *e, size_t n, const char *what, const char *arg) {
  snprintf(e, n, "%s %s: %s", what, arg, strerror(errno));
  return -1;
}

/* "a.b.c.d/nn" or "x::y/nn". */
static int parse_cidr(const char *cidr, int *family, void *addr, unsigned *prefix) {
  char buf[INET6_ADDRSTRLEN + 8];
  if (strlen(cidr) >= sizeof buf)
    return -1;
  strcpy(buf, cidr);
  char *slash = strchr(buf, '/');
  if (!slash)
    return -1;
  *slash = 0;
  unsigned long p;
  *family = strchr(buf, ':') ? AF_INET6 : AF_INET;
  if (parse_ulong(slash + 1, 10, *family == AF_INET ? 32 : 128, &p) != 0)
    return -1;
  *prefix = (unsigned)p;
  return inet_pton(*family, buf, addr) == 1 ? 0 : -1;
}

int vmnet_ifname_by_mac(const char *mac, char ifname[IF_NAMESIZE]) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct if_nameindex *all = if_nameindex();
  int found = -1;
  for (struct if_nameindex *i = all; s >= 0 && i && i->if_index; i++) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", i->if_name);
    if (ioctl(s, SIOCGIFHWADDR, &ifr) != 0)
      continue;
    const unsigned char *h = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
    char text[18];
    snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", h[0], h[1], h[2], h[3], h[4], h[5]);
    if (!strcasecmp(text, mac)) {
      snprintf(ifname, IF_NAMESIZE, "%s", i->if_name);
      found = 0;
      break;
    }
  }
  if (all)
    if_freenameindex(all);
  if (s >= 0)
    close(s);
  return found;
}

static int up(int s, const char *ifname, char *e, size_t n) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
    return err(e, n, "network interface", ifname);
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
    return err(e, n, "bringing up", ifname);
  return 0;
}

int vmnet_address(const char *ifname, int nth, const char *cidr, char *e, size_t n) {
  int family;
  unsigned prefix;
  unsigned char addr[16];
  if (parse_cidr(cidr, &family, addr, &prefix) != 0) {
    snprintf(e, n, "invalid address %s", cidr);
    return -1;
  }
  /* The address alone, without the prefix route the kernel would add for it: the routes that
   * follow are the namespace's own (stage0 lists them as the plugins left them), which have
   * the prefix route where the plugin kept it (bridge) and routes via the gateway where it
   * replaced it (ptp). A kernel-made prefix route would shadow those: pods on a ptp network
   * could not reach each other. */
  prefix = family == AF_INET6 ? 128 : 32;
  int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return err(e, n, "socket for", cidr);
  int r = 0;
  if (family == AF_INET6) {
    struct vm_in6_ifreq r6 = {.prefixlen = prefix, .ifindex = (int)if_nametoindex(ifname)};
    memcpy(&r6.addr, addr, 16);
    if (r6.ifindex == 0 || ioctl(s, SIOCSIFADDR, &r6) != 0)
      r = err(e, n, "setting the address", cidr);
  } else {
    /* One IPv4 address per label: the first on the interface, the others on aliases. */
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (nth == 0)
      snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    else
      snprintf(ifr.ifr_name, IFNAMSIZ, "%.*s:%d", IFNAMSIZ - 5, ifname, nth);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    memcpy(&sin->sin_addr, addr, 4);
    if (ioctl(s, SIOCSIFADDR, &ifr) != 0) {
      r = err(e, n, "setting the address", cidr);
    } else {
      sin->sin_addr.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
      if (ioctl(s, SIOCSIFNETMASK, &ifr) != 0)
        r = err(e, n, "setting the netmask of", cidr);
    }
  }
  if (r == 0)
    r = up(s, ifname, e, n);
  close(s);
  return r;
}

int vmnet_route(const char *ifname, const char *dst, const char *gw, char *e, size_t n) {
  int family, gwfamily = 0;
  unsigned prefix;
  unsigned char d[16], g[16];
  if (parse_cidr(dst, &family, d, &prefix) != 0) {
    snprintf(e, n, "invalid route destination %s", dst);
    return -1;
  }
  if (gw && ((gwfamily = strchr(gw, ':') ? AF_INET6 : AF_INET) != family || inet_pton(family, gw, g) != 1)) {
    snprintf(e, n, "invalid gateway %s for %s", gw, dst);
    return -1;
  }
  int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return err(e, n, "socket for route", dst);
  int r = 0;
  if (family == AF_INET6) {
    struct in6_rtmsg rt;
    memset(&rt, 0, sizeof rt);
    memcpy(&rt.rtmsg_dst, d, 16);
    rt.rtmsg_dst_len = (unsigned short)prefix;
    rt.rtmsg_metric = 1;
    rt.rtmsg_flags = RTF_UP;
    if (gw) {
      memcpy(&rt.rtmsg_gateway, g, 16);
      rt.rtmsg_flags |= RTF_GATEWAY;
    }
    rt.rtmsg_ifindex = (int)if_nametoindex(ifname);
    if (ioctl(s, SIOCADDRT, &rt) != 0 && errno != EEXIST)
      r = err(e, n, "adding the route", dst);
  } else {
    struct rtentry rt;
    memset(&rt, 0, sizeof rt);
    struct sockaddr_in *sd = (struct sockaddr_in *)&rt.rt_dst, *sm = (struct sockaddr_in *)&rt.rt_genmask;
    sd->sin_family = sm->sin_family = AF_INET;
    memcpy(&sd->sin_addr, d, 4);
    sm->sin_addr.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
    rt.rt_flags = RTF_UP | (prefix == 32 ? RTF_HOST : 0);
    if (gw) {
      struct sockaddr_in *sg = (struct sockaddr_in *)&rt.rt_gateway;
      sg->sin_family = AF_INET;
      memcpy(&sg->sin_addr, g, 4);
      rt.rt_flags |= RTF_GATEWAY;
    }
    char dev[IF_NAMESIZE];
    snprintf(dev, sizeof dev, "%s", ifname);
    rt.rt_dev = dev;
    if (ioctl(s, SIOCADDRT, &rt) != 0 && errno != EEXIST)
      r = err(e, n, "adding the route", dst);
  }
  int saved = errno; /* the caller looks at why a route failed */
  close(s);
  errno = saved;
  return r;
}
