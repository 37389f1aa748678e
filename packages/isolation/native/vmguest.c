/* "vm-guest": PID 1 of a kvm pod's virtual machine (the initramfs's /init; the kernel runs
 * it with the argument after "--" on its command line).
 *
 *  1. mounts /proc, /sys and /dev of the initramfs and loads the modules listed in
 *     /etc/rkt-modules (virtio, 9p, the console ports, the network), in order;
 *  2. opens the control port (virtio-serial, named rkt.control) and mounts the pod's stage1
 *     root, shared by the host over 9p, with its own /dev (a small tmpfs, as a container's),
 *     /proc and a read-only /sys;
 *  3. reads /rkt/kvm/guest.spec from the share: hostname, network, how the pod's stdio is
 *     wired; configures them; moves the share onto / and chroots into it;
 *  4. sends READY and forks the pod init (init.c: the same code as the nspawn flavor's PID 1,
 *     as a subreaper), its stdout and stderr on pipes (or a pseudo-terminal for an
 *     interactive pod) that this process relays to the host as frames;
 *  5. serves the host's requests: STOP (SIGTERM to the pod init, which stops the apps in
 *     order), the pod's stdin and terminal size; every other channel (rkt enter sessions)
 *     goes to the pod init's control channel (ctl.c) over a socketpair, frames unchanged both
 *     ways, so that the init spawns the command with the app's confinement, as in an nspawn
 *     pod; channels still open when the pod init is gone end with 254;
 *  6. when the pod init exits: kills what is left, relays the last output, sends the pod's
 *     exit code, waits for the host to confirm it has everything, syncs and powers off.
 *
 * Errors before the pod init starts are sent to the host as the pod's stderr with exit code
 * 254; they also go to the kernel console (the serial port, logged by the host). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "relay.h"
#include "vm.h"
#include "vmnet.h"

#define NEWROOT "/root"
#define GUEST_SPEC "/rkt/kvm/guest.spec"
#define READY_FILE "/rkt/supervisor-status"
#define MODULES_LIST "/etc/rkt-modules"

enum stdio_mode { STDIO_NULL, STDIO_PIPE, STDIO_TTY };
enum net_mode { NET_NONE, NET_SLIRP, NET_TAP };

/* A NIC behind a tap device of the pod's network namespace, found by its MAC. */
struct guest_nic {
  char *mac;
  char **addrs; /* CIDR */
  size_t naddrs;
};

struct guest_route {
  char *mac; /* the NIC it goes through */
  char *dst; /* CIDR */
  char *gw;  /* NULL: on link */
};

struct guest_cfg {
  char *hostname;
  enum net_mode net;
  struct guest_nic *nics;
  size_t nnics;
  struct guest_route *routes;
  size_t nroutes;
  enum stdio_mode stdio;
  unsigned rows, cols;
  char *pod_spec;
};

/* The pod init: its stdio (channel 0) and its control channel (the other channels). */
struct pod_init {
  pid_t pid;         /* 0 once reaped */
  int code;          /* its exit code, once reaped */
  struct relay io;   /* channel 0 */
  int ctl_fd;        /* our end of its control channel; -1 once it is gone */
  struct vm_reader rd;
  struct vm_queue q; /* frames for it */
};

static int ctl = -1; /* the control port */
static int verbose;  /* "vm-guest debug": timings on the console */

/* A debug line on the kernel console, with the time since the kernel started. */
PRINTF(1, 2) static void trace(const char *fmt, ...) {
  if (!verbose)
    return;
  struct timespec up;
  clock_gettime(CLOCK_BOOTTIME, &up);
  char msg[512];
  int n = snprintf(msg, sizeof msg, "[%5ld.%06ld] rkt: ", (long)up.tv_sec, up.tv_nsec / 1000);
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(msg + n, sizeof msg - (size_t)n - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof msg - 2)
    n = sizeof msg - 2;
  msg[n++] = '\n';
  write_all(2, msg, (size_t)n);
}
static struct vm_reader rd;
static struct pod_init pod = {.ctl_fd = -1};
/* Channels open at the pod init: a request went to it, its VF_EXIT has not come back. */
static unsigned char open_chans[65536 / 8];

/* ---- errors and the end ---- */

NORETURN static void power_off(void) {
  sync();
  reboot(RB_POWER_OFF);
  /* Not reached; should it be, the kernel panics when PID 1 exits and QEMU (-no-reboot,
   * panic=-1) stops anyway. */
  _exit(EXIT_RKT);
}

/* Waits (at most ms) for the host's BYE: it has read everything before it. */
static void wait_bye(int ms) {
  int64_t end = vm_now_ms() + ms;
  for (;;) {
    struct vm_frame_hdr h;
    const unsigned char *p;
    int r;
    while ((r = vm_reader_next(&rd, &h, &p)) == 1)
      if (h.type == VF_BYE)
        return;
    if (r < 0)
      return;
    int64_t left = end - vm_now_ms();
    if (left <= 0)
      return;
    struct pollfd pf = {.fd = ctl, .events = POLLIN};
    if (poll(&pf, 1, (int)left) <= 0)
      return;
    if (vm_reader_fill(&rd, ctl) <= 0)
      return;
  }
}

NORETURN PRINTF(1, 2) static void guest_fail(const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg - 2, fmt, ap);
  va_end(ap);
  if (n < 0)
    n = 0;
  if ((size_t)n > sizeof msg - 2)
    n = sizeof msg - 2;
  msg[n++] = '\n';
  write_all(2, msg, (size_t)n); /* the kernel console */
  if (ctl >= 0) {
    int32_t code = EXIT_RKT;
    vm_write_frame(ctl, VF_ERR, 0, msg, (size_t)n);
    vm_write_frame(ctl, VF_EXIT, 0, &code, sizeof code);
    wait_bye(5000);
  }
  power_off();
}

#define GFAIL_ERRNO(fmt, ...) guest_fail("stage1: " fmt ": %s", ##__VA_ARGS__, strerror(errno))

/* ---- bring-up ---- */

static void mount_or_fail(const char *src, const char *dst, const char *type, unsigned long fl,
                          const char *data) {
  if (mount(src, dst, type, fl, data) != 0)
    GFAIL_ERRNO("mounting %s on %s", type, dst);
}

static void load_modules(void) {
  size_t len;
  char *list = read_file(MODULES_LIST, 1 << 20, &len);
  if (!list)
    return; /* a kernel with everything built in */
  for (char *save = NULL, *m = strtok_r(list, "\n", &save); m; m = strtok_r(NULL, "\n", &save)) {
    if (!*m)
      continue;
    int fd = open(m, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      GFAIL_ERRNO("opening the kernel module %s", m);
    if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
      GFAIL_ERRNO("loading the kernel module %s", m);
    close(fd);
  }
  free(list);
}

/* The /dev/vportNpM whose name is `name`, waiting for the port to appear (the host adds the
 * ports once the driver is up). */
static int open_port(const char *name) {
  int64_t end = vm_now_ms() + 10000;
  for (;;) {
    DIR *d = opendir("/sys/class/virtio-ports");
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (e->d_name[0] == '.')
        continue;
      char path[300];
      snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
      char *n = read_file(path, 256, NULL);
      if (n) {
        n[strcspn(n, "\n")] = 0;
        int match = !strcmp(n, name);
        free(n);
        if (match) {
          snprintf(path, sizeof path, "/dev/%s", e->d_name);
          int fd = -1;
          for (int i = 0; i < 1000 && fd < 0; i++) { /* devtmpfs may lag a little */
            fd = open(path, O_RDWR | O_CLOEXEC);
            if (fd < 0 && errno == ENOENT)
              usleep(1000);
            else
              break;
          }
          closedir(d);
          if (fd < 0)
            GFAIL_ERRNO("opening the virtio port %s", path);
          return fd;
        }
      }
    }
    if (d)
      closedir(d);
    if (vm_now_ms() > end)
      guest_fail("stage1: the virtio-serial port %s did not appear", name);
    usleep(1000);
  }
}

static void mount_share(void) {
  int64_t end = vm_now_ms() + 5000;
  while (mount(VM_SHARE_TAG, NEWROOT, "9p", 0,
               "trans=virtio,version=9p2000.L,msize=262144,cache=mmap,access=client") != 0) {
    if (errno != ENOENT || vm_now_ms() > end)
      GFAIL_ERRNO("mounting the pod's files (9p share %s)", VM_SHARE_TAG);
    usleep(1000);
  }
}

static void load_cfg(struct guest_cfg *c) {
  memset(c, 0, sizeof *c);
  c->pod_spec = "/rkt/pod.spec";
  size_t len;
  char *text = read_file(NEWROOT GUEST_SPEC, 1 << 20, &len);
  if (!text)
    GFAIL_ERRNO("reading %s", GUEST_SPEC);
  int line = 0, version = 0;
  char *f[64];
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    line++;
    if (!*l || *l == '#')
      continue;
    int n = split_fields(l, " ", f, 64);
    if (n < 0)
      guest_fail("stage1: %s:%d: too many fields", GUEST_SPEC, line);
    if (pct_decode_fields(f, n))
      guest_fail("stage1: %s:%d: invalid percent-encoding", GUEST_SPEC, line);
    if (n == 2 && !strcmp(f[0], "version") && !strcmp(f[1], "1"))
      version = 1;
    else if (n == 2 && !strcmp(f[0], "hostname"))
      c->hostname = f[1];
    else if (n == 2 && !strcmp(f[0], "net") && !strcmp(f[1], "none"))
      c->net = NET_NONE;
    else if (n == 2 && !strcmp(f[0], "net") && !strcmp(f[1], "slirp"))
      c->net = NET_SLIRP;
    else if (n == 2 && !strcmp(f[0], "net") && !strcmp(f[1], "tap"))
      c->net = NET_TAP;
    else if (n >= 2 && !strcmp(f[0], "nic")) {
      c->nics = xrealloc(c->nics, (c->nnics + 1) * sizeof *c->nics);
      struct guest_nic *nic = &c->nics[c->nnics++];
      nic->mac = f[1];
      nic->naddrs = (size_t)(n - 2);
      nic->addrs = xmalloc((nic->naddrs + 1) * sizeof(char *));
      for (int i = 2; i < n; i++)
        nic->addrs[i - 2] = f[i];
    } else if (n == 4 && !strcmp(f[0], "route")) {
      c->routes = xrealloc(c->routes, (c->nroutes + 1) * sizeof *c->routes);
      c->routes[c->nroutes++] = (struct guest_route){f[1], f[2], strcmp(f[3], "-") ? f[3] : NULL};
    }
    else if (n == 2 && !strcmp(f[0], "stdio") && !strcmp(f[1], "null"))
      c->stdio = STDIO_NULL;
    else if (n == 2 && !strcmp(f[0], "stdio") && !strcmp(f[1], "pipe"))
      c->stdio = STDIO_PIPE;
    else if (n == 4 && !strcmp(f[0], "stdio") && !strcmp(f[1], "tty")) {
      unsigned long r, cl;
      if (parse_ulong(f[2], 10, 65535, &r) || parse_ulong(f[3], 10, 65535, &cl))
        guest_fail("stage1: %s:%d: stdio tty ROWS COLS", GUEST_SPEC, line);
      c->stdio = STDIO_TTY;
      c->rows = (unsigned)r;
      c->cols = (unsigned)cl;
    } else if (n == 2 && !strcmp(f[0], "pod-spec") && f[1][0] == '/')
      c->pod_spec = f[1];
    else
      guest_fail("stage1: %s:%d: unknown directive \"%s\"", GUEST_SPEC, line, f[0]);
  }
  if (!version)
    guest_fail("stage1: %s: missing \"version 1\"", GUEST_SPEC);
}

static void mknod_dev(const char *name, mode_t mode, unsigned maj, unsigned min) {
  char path[128];
  snprintf(path, sizeof path, NEWROOT "/dev/%s", name);
  if (mknod(path, mode, makedev(maj, min)) != 0 && errno != EEXIST)
    GFAIL_ERRNO("creating %s", path);
}

static void symlink_dev(const char *target, const char *name) {
  char path[128];
  snprintf(path, sizeof path, NEWROOT "/dev/%s", name);
  if (symlink(target, path) != 0 && errno != EEXIST)
    GFAIL_ERRNO("creating %s", path);
}

/* The stage1 root's /dev, /proc and /sys, as a container runtime makes them: the apps bind
 * them into their roots. /dev holds only the usual nodes, not the VM's devices. */
static void api_filesystems(void) {
  const unsigned long nsd = MS_NOSUID | MS_NODEV, nsde = nsd | MS_NOEXEC;
  mount_or_fail("tmpfs", NEWROOT "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  mknod_dev("null", S_IFCHR | 0666, 1, 3);
  mknod_dev("zero", S_IFCHR | 0666, 1, 5);
  mknod_dev("full", S_IFCHR | 0666, 1, 7);
  mknod_dev("random", S_IFCHR | 0666, 1, 8);
  mknod_dev("urandom", S_IFCHR | 0666, 1, 9);
  mknod_dev("tty", S_IFCHR | 0666, 5, 0);
  if (mkdir(NEWROOT "/dev/net", 0755) != 0 && errno != EEXIST)
    GFAIL_ERRNO("creating /dev/net");
  mknod_dev("net/tun", S_IFCHR | 0666, 10, 200);
  symlink_dev("/proc/self/fd", "fd");
  symlink_dev("/proc/self/fd/0", "stdin");
  symlink_dev("/proc/self/fd/1", "stdout");
  symlink_dev("/proc/self/fd/2", "stderr");
  symlink_dev("pts/ptmx", "ptmx");
  if (mkdir(NEWROOT "/dev/pts", 0755) != 0 || mkdir(NEWROOT "/dev/shm", 01777) != 0)
    GFAIL_ERRNO("creating /dev/pts and /dev/shm");
  mount_or_fail("devpts", NEWROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                "newinstance,ptmxmode=0666,mode=620,gid=5");
  mount_or_fail("shm", NEWROOT "/dev/shm", "tmpfs", nsd, "mode=1777");
  mount_or_fail("proc", NEWROOT "/proc", "proc", nsde, NULL);
  mount_or_fail("sysfs", NEWROOT "/sys", "sysfs", nsde | MS_RDONLY, NULL);
}

static void if_up(int sock, const char *ifname, const char *addr, const char *mask) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
  if (addr) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin->sin_addr);
    if (ioctl(sock, SIOCSIFADDR, &ifr) != 0)
      GFAIL_ERRNO("setting the address of %s", ifname);
    inet_pton(AF_INET, mask, &sin->sin_addr);
    if (ioctl(sock, SIOCSIFNETMASK, &ifr) != 0)
      GFAIL_ERRNO("setting the netmask of %s", ifname);
  }
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0)
    GFAIL_ERRNO("network interface %s", ifname);
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0)
    GFAIL_ERRNO("bringing %s up", ifname);
}

/* The NICs of CNI networks: each found by its MAC, with its addresses and routes. */
static void tap_network(const struct guest_cfg *c) {
  char e[512], ifname[IF_NAMESIZE];
  for (size_t i = 0; i < c->nnics; i++) {
    const struct guest_nic *nic = &c->nics[i];
    if (vmnet_ifname_by_mac(nic->mac, ifname) != 0)
      guest_fail("stage1: the VM has no network card with MAC address %s", nic->mac);
    for (size_t k = 0, v4 = 0; k < nic->naddrs; k++) {
      int ipv4 = !strchr(nic->addrs[k], ':');
      if (vmnet_address(ifname, ipv4 ? (int)v4 : 0, nic->addrs[k], e, sizeof e) != 0)
        guest_fail("stage1: %s: %s", ifname, e);
      v4 += ipv4;
    }
  }
  /* On-link routes first (ptp's route to its gateway among them): routes via a gateway need
   * it reachable, whatever order the CNI plugin listed them in. */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < c->nroutes; i++) {
      const struct guest_route *r = &c->routes[i];
      if ((r->gw == NULL) != (pass == 0))
        continue;
      if (vmnet_ifname_by_mac(r->mac, ifname) != 0)
        guest_fail("stage1: the VM has no network card with MAC address %s", r->mac);
      /* A gateway was unreachable for a moment right after its interface came up, twice in
       * many runs (first pods of a network): try again for a second before giving up. */
      int rc;
      for (int tries = 0; (rc = vmnet_route(ifname, r->dst, r->gw, e, sizeof e)) != 0 && errno == ENETUNREACH && tries < 100; tries++)
        usleep(10000);
      if (rc != 0)
        guest_fail("stage1: %s: %s", ifname, e);
    }
  }
}

/* lo always; with QEMU's user-mode network, eth0 as slirp expects it (10.0.2.15/24,
 * gateway 10.0.2.2, DNS proxy 10.0.2.3); with CNI networks, what they gave. */
static void network(const struct guest_cfg *c) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    GFAIL_ERRNO("socket");
  if_up(s, "lo", NULL, NULL);
  if (c->net == NET_TAP)
    tap_network(c);
  if (c->net == NET_SLIRP) {
    if_up(s, "eth0", "10.0.2.15", "255.255.255.0");
    struct rtentry rt;
    memset(&rt, 0, sizeof rt);
    struct sockaddr_in *gw = (struct sockaddr_in *)&rt.rt_gateway;
    gw->sin_family = AF_INET;
    inet_pton(AF_INET, "10.0.2.2", &gw->sin_addr);
    ((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
    ((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    if (ioctl(s, SIOCADDRT, &rt) != 0)
      GFAIL_ERRNO("adding the default route");
  }
  close(s);
}

/* ---- channels ---- */

static void send_frame(int type, unsigned chan, const void *p, size_t n) {
  if (vm_write_frame(ctl, type, chan, p, n) != 0)
    power_off(); /* the host is gone */
}

/* Frames queued for the host (the pod's output, acknowledgements), written at once. */
static void send_queue(struct vm_queue *q) {
  if (vm_queue_flush_all(q, ctl) != 0)
    power_off();
}

static int chan_is_open(unsigned c) { return open_chans[c / 8] & (1u << (c % 8)); }
static void chan_mark(unsigned c, int open) {
  if (open)
    open_chans[c / 8] |= (unsigned char)(1u << (c % 8));
  else
    open_chans[c / 8] &= (unsigned char)~(1u << (c % 8));
}

static void refuse(unsigned chan, const char *msg) {
  int32_t code = EXIT_RKT;
  send_frame(VF_ERR, chan, msg, strlen(msg));
  send_frame(VF_EXIT, chan, &code, sizeof code);
}

/* A frame of the host for a channel other than the pod's: to the pod init, which answers. */
static void to_pod_init(const struct vm_frame_hdr *h, const unsigned char *p) {
  if (pod.ctl_fd >= 0) {
    if (!vm_frame_in_session(h->type))
      chan_mark(h->chan, 1);
    vm_queue_frame(&pod.q, h->type, h->chan, p, h->len);
    return;
  }
  if (h->type == VF_IN && h->len > 0) { /* nobody reads it: acknowledge */
    unsigned char a[4];
    vm_put_u32(a, h->len);
    send_frame(VF_IN_ACK, h->chan, a, 4);
  } else if (!vm_frame_in_session(h->type)) {
    refuse(h->chan, "stage1: the pod is stopping\n");
  }
}

/* The pod init's control channel is gone: what it left open ends. */
static void pod_init_gone(void) {
  if (pod.ctl_fd >= 0)
    close(pod.ctl_fd);
  pod.ctl_fd = -1;
  free(pod.q.p);
  memset(&pod.q, 0, sizeof pod.q);
  for (unsigned c = 1; c < 65536; c++)
    if (chan_is_open(c)) {
      chan_mark(c, 0);
      refuse(c, "stage1: the pod is stopping\n");
    }
}

/* Frames of the pod init for the host, passed on unchanged. */
static void from_pod_init(void) {
  int r = vm_reader_fill(&pod.rd, pod.ctl_fd);
  if (r < 0 && errno == EAGAIN)
    return;
  struct vm_frame_hdr h;
  const unsigned char *p;
  int f;
  while ((f = vm_reader_next(&pod.rd, &h, &p)) == 1) {
    if (h.chan == 0)
      continue;
    if (h.type == VF_EXIT)
      chan_mark(h.chan, 0);
    send_frame(h.type, h.chan, p, h.len);
  }
  if (r <= 0 || f < 0)
    pod_init_gone();
}

/* ---- processes ---- */

static sigset_t orig_mask;

static void start_pod(const struct guest_cfg *cfg) {
  relay_reset(&pod.io);
  struct stdio_plan p;
  if (relay_open(&pod.io, &p, cfg->stdio == STDIO_TTY, cfg->stdio == STDIO_PIPE, cfg->rows, cfg->cols) != 0)
    GFAIL_ERRNO("setting up the pod's stdio");
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0)
    GFAIL_ERRNO("socketpair");
  pid_t pid = fork();
  if (pid < 0)
    GFAIL_ERRNO("fork");
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &orig_mask, NULL);
    signal(SIGPIPE, SIG_DFL);
    /* The apps make sessions of their own (and take the terminal); the init needs none. */
    if (relay_child_stdio(&p, 0) != 0)
      _exit(EXIT_RKT);
    close(ctl);
    close(sp[0]);
    _exit(cmd_init(cfg->pod_spec, sp[1]));
  }
  relay_plan_close(&p);
  close(sp[1]);
  fcntl(sp[0], F_SETFL, O_NONBLOCK);
  pod.ctl_fd = sp[0];
  pod.pid = pid;
}

/* ---- the main loop ---- */

static int pod_ready(void) {
  struct stat sb;
  return lstat(READY_FILE, &sb) == 0 && S_ISLNK(sb.st_mode);
}

int cmd_vm_guest(int argc, char **argv) {
  if (getpid() != 1) {
    fputs("rkt-isolation: vm-guest is the init of a kvm pod's virtual machine\n", stderr);
    return EXIT_RKT;
  }
  /* "vm-guest poweroff": power off at once. The baseline of bench/kvm-start.sh: a boot of
   * the same kernel and initramfs that does nothing. */
  if (argc >= 1 && !strcmp(argv[0], "poweroff"))
    power_off();
  verbose = argc >= 1 && !strcmp(argv[0], "debug");
  trace("init started");
  umask(022);
  mount_or_fail("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_or_fail("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_or_fail("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  load_modules();
  trace("modules loaded");
  ctl = open_port(VM_PORT_CONTROL);
  trace("control port open");
  mount_share();
  trace("9p share mounted");
  struct guest_cfg cfg;
  load_cfg(&cfg);
  api_filesystems();
  if (cfg.hostname && sethostname(cfg.hostname, strlen(cfg.hostname)) != 0)
    GFAIL_ERRNO("setting the hostname %s", cfg.hostname);
  network(&cfg);
  trace("network, hostname and API filesystems ready");
  if (chdir(NEWROOT) != 0 || mount(".", "/", NULL, MS_MOVE, NULL) != 0 || chroot(".") != 0 ||
      chdir("/") != 0)
    GFAIL_ERRNO("switching to the pod's root");

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, &orig_mask);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    GFAIL_ERRNO("signalfd");
  signal(SIGPIPE, SIG_IGN);

  struct timespec up;
  clock_gettime(CLOCK_BOOTTIME, &up);
  unsigned char ready[4];
  vm_put_u32(ready, (uint32_t)(up.tv_sec * 1000 + up.tv_nsec / 1000000));
  send_frame(VF_READY, 0, ready, 4);
  start_pod(&cfg);
  int64_t init_started = vm_now_ms();
  /* Not dumpable: no process of the pod may open our /proc files. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  int pod_code = -1;      /* the init's exit code, once it ended */
  int stop_pending = 0;   /* a STOP waits until the init has blocked its signals */
  int ready_seen = 0;
  struct vm_queue out = {0}; /* the pod's output and acknowledgements, for the host */
  struct relay *io = &pod.io;

  for (;;) {
    if (pod_code >= 0 && io->out_fd < 0 && io->err_fd < 0 && pod.ctl_fd < 0) {
      int32_t code = pod_code;
      trace("the pod init exited with %d", pod_code);
      send_frame(VF_EXIT, 0, &code, sizeof code);
      wait_bye(10000);
      power_off();
    }
    if (verbose && !ready_seen && pod_code < 0 && pod_ready()) {
      ready_seen = 1;
      trace("the apps are started");
    }
    if (stop_pending && pod_code < 0 && (pod_ready() || vm_now_ms() - init_started > 1000)) {
      kill(pod.pid, SIGTERM);
      stop_pending = 0;
    }

    struct pollfd pf[6];
    int tty = io->tty && io->in_fd == io->out_fd;
    pf[0] = (struct pollfd){.fd = ctl, .events = POLLIN};
    pf[1] = (struct pollfd){.fd = sfd, .events = POLLIN};
    pf[2] = (struct pollfd){.fd = io->out_fd,
                            .events = (short)(POLLIN | (tty && relay_wants_write(io) ? POLLOUT : 0))};
    pf[3] = (struct pollfd){.fd = io->err_fd, .events = POLLIN};
    pf[4] = (struct pollfd){.fd = !tty && relay_wants_write(io) ? io->in_fd : -1, .events = POLLOUT};
    pf[5] = (struct pollfd){.fd = pod.ctl_fd,
                            .events = (short)(POLLIN | (vm_queue_pending(&pod.q) ? POLLOUT : 0))};
    int timeout = stop_pending ? 20 : -1;
    if (poll(pf, 6, timeout) < 0 && errno != EINTR)
      GFAIL_ERRNO("poll");

    /* Processes: reap everything (orphans of the pod come to us once the init is gone). */
    if (pf[1].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0)
        ;
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != pod.pid)
        continue;
      pod.pid = 0;
      pod_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      if (io->slave_fd >= 0) {
        close(io->slave_fd);
        io->slave_fd = -1;
      }
      /* The pod is over: whatever it left behind (daemons that escaped their app's process
       * group) ends now, so the output pipes reach end of file. */
      kill(-1, SIGKILL);
    }

    if (pf[2].revents & POLLOUT)
      relay_flush_in(io, 0, &out);
    if ((pf[2].revents & ~POLLOUT) && io->out_fd >= 0)
      relay_read(io, &io->out_fd, VF_OUT, 0, &out);
    if (pf[3].revents && io->err_fd >= 0)
      relay_read(io, &io->err_fd, VF_ERR, 0, &out);
    if (pf[4].revents)
      relay_flush_in(io, 0, &out);
    if (pf[5].revents & POLLOUT && vm_queue_flush(&pod.q, pod.ctl_fd) != 0)
      pod_init_gone();
    if (pod.ctl_fd >= 0 && (pf[5].revents & (POLLIN | POLLHUP | POLLERR)))
      from_pod_init();
    send_queue(&out);

    if (!pf[0].revents)
      continue;
    int r = vm_reader_fill(&rd, ctl);
    if (r == 0 || (r < 0 && errno != EAGAIN))
      power_off(); /* the host is gone */
    struct vm_frame_hdr h;
    const unsigned char *p;
    while ((r = vm_reader_next(&rd, &h, &p)) == 1) {
      if (h.chan != 0) {
        to_pod_init(&h, p);
        continue;
      }
      switch (h.type) {
      case VF_STOP:
        if (pod_code < 0)
          stop_pending = 1;
        break;
      case VF_IN:
        relay_input(io, p, h.len, 0, &out);
        break;
      case VF_IN_EOF:
        io->in_eof = 1;
        relay_flush_in(io, 0, &out);
        break;
      case VF_WINSZ:
        relay_winsz(io, p, h.len);
        break;
      default:
        break; /* BYE before the end, or unknown: ignored */
      }
    }
    if (r < 0)
      guest_fail("stage1: malformed frame on the control channel");
    send_queue(&out);
    if (pod.ctl_fd >= 0 && vm_queue_pending(&pod.q) && vm_queue_flush(&pod.q, pod.ctl_fd) != 0)
      pod_init_gone();
  }
}
