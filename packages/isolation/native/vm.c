/* "vm": the long-lived process of a kvm pod (the PID rkt run was started with).
 *
 * It makes the pod's host side as "pod" does (a private mount namespace with the apps'
 * roots and volumes mounted under the stage1 root, which QEMU shares with the guest over
 * 9p; QEMU follows the mounts because it lives in this namespace), holds the pod lock,
 * writes its pid, starts QEMU as its child and relays the VM's control channel (vm.h):
 *
 *   - the apps' stdout and stderr to its own fd 1 and fd 2, unchanged (blocking writes: a
 *     slow reader slows the apps, nothing is dropped); stdin to the pod with --interactive
 *     (the terminal in raw mode: the guest's pseudo-terminal does the line discipline);
 *   - rkt enter clients (ctl-enter), which connect to the control socket, to the pod init in
 *     the guest (each client one channel: the supervisor renumbers its frames);
 *   - SIGTERM, SIGINT, SIGHUP, SIGQUIT (rkt stop): a STOP request, the guest stops the apps
 *     in order; QEMU is killed if the VM has not ended stop-timeout seconds later;
 *   - the guest's serial console (kernel messages) to the console log (and to stderr with
 *     debug);
 *   - a boot watchdog: no READY from the guest within boot-timeout seconds: QEMU is killed
 *     and the pod fails with 254 and one line saying so.
 *
 * When QEMU has exited it exits with the pod's exit code (the guest sends it after the apps'
 * last output): the first failing app's, else 0; 128+N when QEMU was killed by signal N
 * (rkt stop --force); 254 when the VM failed.
 *
 * VM spec (the spec encoding):
 *   version 1
 *   pod-spec <path>         host side in the language of "rkt-isolation pod": mount-ns,
 *                           overlay, within, bind, lock-fd, env, exec (QEMU: path and argv)
 *   pid-file <path>         our pid
 *   qemu-pid-file <path>    QEMU's pid (rkt stop --force, gc)
 *   control-socket <path>   where rkt enter connects
 *   console-log <path>      the guest's serial console
 *   netns <path>            the pod's network namespace (CNI networks): we and QEMU join
 *                           it, QEMU's tap devices are there
 *   timings-file <path>     written at the end: milliseconds from QEMU's start to the guest's
 *                           READY (the pod init starts the apps), to the pod's exit code, to
 *                           QEMU's exit, and the guest kernel's uptime at READY
 *   boot-timeout <seconds>  default 60
 *   stop-timeout <seconds>  default 10: how long the guest's init gives the apps after
 *                           SIGTERM; QEMU is killed 5 s after that
 *   stdio null|pipe|tty     the pod's stdin: none, relayed, or the terminal (raw)
 *   debug                   the console on stderr too, and timings
 *
 * QEMU gets the control channel as fd 3 and the serial console as fd 4 (sockets):
 * `-chardev socket,id=...,fd=3`. */
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common.h"
#include "vm.h"

#define MAX_CLIENTS 64
#define QEMU_CTL_FD 3
#define QEMU_CON_FD 4

struct vm_spec {
  char *pod_spec, *pid_file, *qemu_pid_file, *control_socket, *console_log, *timings_file, *netns;
  double boot_timeout, stop_timeout;
  enum { IO_NULL, IO_PIPE, IO_TTY } stdio;
  int debug;
};

/* An rkt enter client and the channel it was given. */
struct client {
  int fd;       /* -1: the client is gone (the channel may still wait for its EXIT) */
  unsigned chan; /* 0 until it sent OPEN */
  int exited;   /* its EXIT was relayed: close once the queue is written */
  struct vm_reader rd;
  struct vm_queue q;
};

static struct client clients[MAX_CLIENTS];
static struct termios saved_tty;
static int tty_raw;
static struct vm_spec vs;

static void vm_spec_load(const char *path, struct vm_spec *s) {
  memset(s, 0, sizeof *s);
  s->boot_timeout = 60;
  s->stop_timeout = 10;
  size_t len;
  char *text = read_file(path, 1 << 20, &len);
  if (!text)
    fail_errno("rkt-isolation: cannot read the VM spec %s", path);
  int line = 0, version = 0;
  char *f[4];
  for (char *next = text, *l; (l = next_spec_line(&next, &line));) {
    int n = split_fields(l, " ", f, 4);
    if (pct_decode_fields(f, n))
      fail("rkt-isolation: %s:%d: invalid percent-encoding", path, line);
    char **str = NULL;
    double *secs = NULL;
    if (n == 2 && !strcmp(f[0], "version")) {
      if (strcmp(f[1], "1"))
        fail("rkt-isolation: %s:%d: unsupported spec version \"%s\"", path, line, f[1]);
      version = 1;
      continue;
    }
    if (!strcmp(f[0], "pod-spec"))
      str = &s->pod_spec;
    else if (!strcmp(f[0], "pid-file"))
      str = &s->pid_file;
    else if (!strcmp(f[0], "qemu-pid-file"))
      str = &s->qemu_pid_file;
    else if (!strcmp(f[0], "control-socket"))
      str = &s->control_socket;
    else if (!strcmp(f[0], "console-log"))
      str = &s->console_log;
    else if (!strcmp(f[0], "timings-file"))
      str = &s->timings_file;
    else if (!strcmp(f[0], "netns"))
      str = &s->netns;
    else if (!strcmp(f[0], "boot-timeout"))
      secs = &s->boot_timeout;
    else if (!strcmp(f[0], "stop-timeout"))
      secs = &s->stop_timeout;
    if (str && n == 2 && f[1][0] == '/') {
      *str = f[1];
    } else if (secs && n == 2) {
      char *end;
      double v = strtod(f[1], &end);
      if (*end || !*f[1] || v <= 0 || v > 86400)
        fail("rkt-isolation: %s:%d: %s: \"%s\" is not a number of seconds", path, line, f[0], f[1]);
      *secs = v;
    } else if (n == 2 && !strcmp(f[0], "stdio") &&
               (!strcmp(f[1], "null") || !strcmp(f[1], "pipe") || !strcmp(f[1], "tty"))) {
      s->stdio = !strcmp(f[1], "null") ? IO_NULL : !strcmp(f[1], "pipe") ? IO_PIPE : IO_TTY;
    } else if (n == 1 && !strcmp(f[0], "debug")) {
      s->debug = 1;
    } else {
      fail("rkt-isolation: %s:%d: unknown directive or wrong arguments: %s", path, line, f[0]);
    }
  }
  if (!version)
    fail("rkt-isolation: %s: missing \"version 1\" directive", path);
  if (!s->pod_spec || !s->pid_file || !s->qemu_pid_file || !s->control_socket || !s->console_log)
    fail("rkt-isolation: %s: pod-spec, pid-file, qemu-pid-file, control-socket and console-log "
         "are required",
         path);
}

static void restore_tty(void) {
  if (tty_raw) {
    tcsetattr(0, TCSADRAIN, &saved_tty);
    tty_raw = 0;
  }
}

static void say(const char *fmt, ...) PRINTF(1, 2);
static void say(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg - 3, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n > sizeof msg - 3)
    n = sizeof msg - 3;
  /* In raw mode the terminal needs the carriage return. */
  if (tty_raw)
    msg[n++] = '\r';
  msg[n++] = '\n';
  write_all(2, msg, (size_t)n);
}

/* Blocking write of app output; a closed stdout drops it (as it would drop a pipe's). */
static void out(int fd, const void *p, size_t n) {
  static int broken[3];
  if (fd > 2 || broken[fd])
    return;
  if (write_all(fd, p, n) != 0)
    broken[fd] = 1;
}

static pid_t start_qemu(const struct spec *s, int ctl, int con, const sigset_t *mask) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    fail_errno("stage1: fork");
  if (pid != 0)
    return pid;
  sigprocmask(SIG_SETMASK, mask, NULL);
  signal(SIGPIPE, SIG_DFL);
  /* A process group of its own: a ^C on the terminal is a stop request for us to pass on,
   * never an abrupt end of QEMU. It dies with us. */
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(EXIT_RKT);
  int null = open("/dev/null", O_RDWR);
  if (null < 0 || dup2(null, 0) < 0 || dup2(2, 1) < 0 || dup2(ctl, QEMU_CTL_FD) < 0 ||
      dup2(con, QEMU_CON_FD) < 0) {
    fprintf(stderr, "stage1: preparing QEMU's file descriptors: %s\n", strerror(errno));
    _exit(EXIT_RKT);
  }
  /* QEMU serves the 9p share as root (security_model=passthrough: the files belong to
   * every user of the images) but keeps only root's file access: read and search
   * everything, give a file the guest's owner, change files it does not own (DAC_OVERRIDE,
   * DAC_READ_SEARCH, CHOWN, FOWNER). Not MKNOD (no device nodes on the host), SETFCAP (no
   * file capabilities), FSETID (setgid cleared, setuid dropped on write), SYS_ADMIN,
   * NET_ADMIN (a tap without an owner needs none)...; no_new_privs, and a filter refusing
   * setuid and setgid modes. A guest that takes QEMU over gets no more than that. */
  caps_drop_bounding(1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_DAC_READ_SEARCH | 1ULL << CAP_CHOWN |
                     1ULL << CAP_FOWNER);
  caps_clear_inheritable();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    fprintf(stderr, "stage1: no_new_privs for QEMU: %s\n", strerror(errno));
    _exit(EXIT_RKT);
  }
  seccomp_load_no_setid_files();
  execve(s->exec_path, s->argv, s->env);
  fprintf(stderr, "stage1: cannot execute QEMU %s: %s\n", s->exec_path, strerror(errno));
  _exit(EXIT_RKT);
}

static struct client *client_of_chan(unsigned chan) {
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].chan == chan && chan != 0)
      return &clients[i];
  return NULL;
}

static unsigned next_chan = 1;

static unsigned new_chan(void) {
  for (unsigned tries = 0; tries < 65535; tries++) {
    unsigned c = next_chan;
    next_chan = next_chan == 65535 ? 1 : next_chan + 1;
    if (!client_of_chan(c))
      return c;
  }
  return 0;
}

static void client_free(struct client *c) {
  if (c->fd >= 0)
    close(c->fd);
  free(c->rd.p);
  free(c->q.p);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

/* The client went away (or broke the protocol): the guest ends its session. */
static void client_drop(struct client *c, struct vm_queue *toguest) {
  if (c->chan && !c->exited) {
    vm_queue_frame(toguest, VF_CLOSE, c->chan, NULL, 0);
    close(c->fd);
    c->fd = -1; /* the channel stays taken until the guest's EXIT */
    free(c->rd.p);
    free(c->q.p);
    memset(&c->rd, 0, sizeof c->rd);
    memset(&c->q, 0, sizeof c->q);
    return;
  }
  client_free(c);
}

/* A client's frames, renumbered to its channel: its first frame (a request: VF_OPEN, or what
 * the pod init may add) opens the channel; the pod-level frames are ours alone. */
static void client_frames(struct client *c, struct vm_queue *toguest) {
  struct vm_frame_hdr h;
  const unsigned char *p;
  int r;
  while ((r = vm_reader_next(&c->rd, &h, &p)) == 1) {
    if (h.type == VF_STOP || h.type == VF_BYE || h.type == VF_READY) {
      r = -1;
      break;
    }
    if (!c->chan) {
      if (vm_frame_in_session(h.type) || !(c->chan = new_chan())) {
        r = -1;
        break;
      }
    } else if (!vm_frame_in_session(h.type)) {
      r = -1; /* one request per client */
      break;
    }
    vm_queue_frame(toguest, h.type, c->chan, p, h.len);
  }
  if (r < 0)
    client_drop(c, toguest);
}

int cmd_vm(const char *spec_path) {
  vm_spec_load(spec_path, &vs);
  struct spec s;
  spec_load(vs.pod_spec, SPEC_POD, &s);

  mode_t old_umask = umask(0);
  if (s.mount_ns)
    mounts_unshare();
  for (size_t i = 0; i < s.nops; i++)
    mounts_apply(s.root, &s.ops[i]);
  umask(old_umask);
  /* We hold the pod lock; QEMU does not need it. */
  if (s.lock_fd >= 0 && fcntl(s.lock_fd, F_SETFD, FD_CLOEXEC) != 0)
    fail_errno("stage1: lock fd %d", s.lock_fd);
  if (chdir(s.cwd) != 0)
    fail_errno("stage1: cannot change to the working directory %s", s.cwd);
  if (vs.netns) {
    int nfd = open(vs.netns, O_RDONLY | O_CLOEXEC);
    if (nfd < 0 || setns(nfd, CLONE_NEWNET) != 0)
      fail_errno("stage1: joining the pod's network namespace %s", vs.netns);
    close(nfd);
  }
  if (write_number(vs.pid_file, (long)getpid()) != 0)
    fail_errno("stage1: writing %s", vs.pid_file);

  int logfd = open(vs.console_log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (logfd < 0)
    fail_errno("stage1: %s", vs.console_log);
  int lfd = vm_listen_unix(vs.control_socket);
  if (lfd < 0)
    fail_errno("stage1: control socket %s", vs.control_socket);
  int ctlp[2], conp[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctlp) != 0 ||
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, conp) != 0)
    fail_errno("stage1: socketpair");
  /* Keep our ends away from the numbers QEMU's ends take in its process. */
  int ctl = fcntl(ctlp[0], F_DUPFD_CLOEXEC, 10), con = fcntl(conp[0], F_DUPFD_CLOEXEC, 10);
  int qctl = fcntl(ctlp[1], F_DUPFD_CLOEXEC, 10), qcon = fcntl(conp[1], F_DUPFD_CLOEXEC, 10);
  if (ctl < 0 || con < 0 || qctl < 0 || qcon < 0)
    fail_errno("stage1: fcntl");
  close(ctlp[0]);
  close(ctlp[1]);
  close(conp[0]);
  close(conp[1]);
  fcntl(ctl, F_SETFL, O_NONBLOCK);
  fcntl(con, F_SETFL, O_NONBLOCK);

  sigset_t set, orig;
  sigemptyset(&set);
  int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGWINCH};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&set, sigs[i]);
  sigprocmask(SIG_BLOCK, &set, &orig);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    fail_errno("stage1: signalfd");
  signal(SIGPIPE, SIG_IGN);

  int64_t t0 = vm_now_ms();
  pid_t qemu = start_qemu(&s, qctl, qcon, &orig);
  close(qctl);
  close(qcon);
  if (write_number(vs.qemu_pid_file, (long)qemu) != 0) {
    kill(qemu, SIGKILL);
    fail_errno("stage1: writing %s", vs.qemu_pid_file);
  }
  if (vs.debug)
    say("stage1: QEMU started, pid %d", (int)qemu);

  if (vs.stdio == IO_TTY && isatty(0) && tcgetattr(0, &saved_tty) == 0) {
    struct termios raw = saved_tty;
    cfmakeraw(&raw);
    if (tcsetattr(0, TCSANOW, &raw) == 0)
      tty_raw = 1;
  }
  for (int i = 0; i < MAX_CLIENTS; i++)
    clients[i].fd = -1;

  struct vm_reader rd = {0};
  struct vm_queue toguest = {0};
  int ready = 0, qemu_status = -1, stop_requested = 0, boot_failed = 0;
  int pod_code = -1, ctl_open = 1, con_open = 1;
  struct vm_stdin in = {.open = vs.stdio != IO_NULL, .credit = VM_IN_WINDOW};
  int64_t boot_deadline = t0 + (int64_t)(vs.boot_timeout * 1000), stop_deadline = -1, bye_deadline = -1;
  int64_t ready_at = -1, exit_at = -1;
  uint32_t guest_uptime = 0;

  while (qemu_status < 0 || ctl_open || con_open) {
    int64_t now = vm_now_ms();
    if (qemu_status < 0) {
      if (!ready && !boot_failed && now >= boot_deadline) {
        boot_failed = 1;
        say("stage1: the VM did not boot within %g s; its console is in %s (raise the kvm boot "
            "timeout if the machine is just slow)",
            vs.boot_timeout, vs.console_log);
        kill(qemu, SIGKILL);
      }
      if ((stop_deadline >= 0 && now >= stop_deadline) || (bye_deadline >= 0 && now >= bye_deadline)) {
        kill(qemu, SIGKILL);
        stop_deadline = bye_deadline = -1;
      }
    }
    int64_t wake = -1;
    if (qemu_status < 0) {
      if (!ready && !boot_failed)
        wake = boot_deadline;
      if (stop_deadline >= 0 && (wake < 0 || stop_deadline < wake))
        wake = stop_deadline;
      if (bye_deadline >= 0 && (wake < 0 || bye_deadline < wake))
        wake = bye_deadline;
    } else {
      wake = now + 2000; /* QEMU is gone: its sockets are at their end, or soon */
    }

    struct pollfd pf[5 + MAX_CLIENTS];
    int n = 0;
    pf[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    pf[n++] = (struct pollfd){.fd = ctl_open ? ctl : -1,
                              .events = (short)(POLLIN | (vm_queue_pending(&toguest) ? POLLOUT : 0))};
    pf[n++] = (struct pollfd){.fd = con_open ? con : -1, .events = POLLIN};
    pf[n++] = (struct pollfd){.fd = qemu_status < 0 ? lfd : -1, .events = POLLIN};
    int want_stdin = vm_stdin_wants(&in) && qemu_status < 0;
    pf[n++] = (struct pollfd){.fd = want_stdin ? 0 : -1, .events = POLLIN};
    for (int i = 0; i < MAX_CLIENTS; i++)
      pf[n++] = (struct pollfd){.fd = clients[i].fd,
                                .events = (short)(POLLIN | (vm_queue_pending(&clients[i].q) ? POLLOUT : 0))};
    int timeout = wake < 0 ? -1 : (int)(wake > now ? wake - now : 0);
    int pr = poll(pf, (nfds_t)n, timeout);
    if (pr < 0 && errno != EINTR)
      fail_errno("stage1: poll");
    if (pr == 0 && qemu_status >= 0)
      break; /* QEMU is gone and its sockets stay silent */

    if (pf[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGWINCH && tty_raw) {
          struct winsize ws;
          if (ioctl(0, TIOCGWINSZ, &ws) == 0) {
            unsigned char p[4] = {(unsigned char)ws.ws_row, (unsigned char)(ws.ws_row >> 8),
                                  (unsigned char)ws.ws_col, (unsigned char)(ws.ws_col >> 8)};
            vm_queue_frame(&toguest, VF_WINSZ, 0, p, 4);
          }
        } else if (sig != SIGCHLD && sig != SIGWINCH && qemu_status < 0 && !stop_requested) {
          stop_requested = 1;
          if (vs.debug)
            say("stage1: stopping the pod (signal %d)", sig);
          if (ready) {
            vm_queue_frame(&toguest, VF_STOP, 0, NULL, 0);
            stop_deadline = vm_now_ms() + (int64_t)(vs.stop_timeout * 1000) + 5000;
          } else {
            /* Nothing has started yet: nothing to stop in order. */
            kill(qemu, SIGKILL);
          }
        }
      }
      int st;
      if (qemu_status < 0 && waitpid(qemu, &st, WNOHANG) == qemu)
        qemu_status = st;
    }

    if (pf[1].revents & POLLOUT && vm_queue_flush(&toguest, ctl) != 0)
      toguest.off = toguest.len = 0;
    if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      int r;
      while ((r = vm_reader_fill(&rd, ctl)) > 0)
        ;
      if (r == 0 || (r < 0 && errno != EAGAIN))
        ctl_open = 0;
      struct vm_frame_hdr h;
      const unsigned char *p;
      while ((r = vm_reader_next(&rd, &h, &p)) == 1) {
        if (h.chan != 0) { /* an enter session's */
          struct client *c = client_of_chan(h.chan);
          if (!c)
            continue;
          if (h.type == VF_EXIT) {
            c->exited = 1;
            if (c->fd < 0) {
              client_free(c);
              continue;
            }
          }
          if (c->fd >= 0)
            vm_queue_frame(&c->q, h.type, 0, p, h.len);
          continue;
        }
        switch (h.type) {
        case VF_READY:
          ready = 1;
          ready_at = vm_now_ms();
          guest_uptime = h.len == 4 ? vm_get_u32(p) : 0;
          if (vs.debug)
            say("stage1: the guest is up %lld ms after QEMU started (kernel uptime %u ms); "
                "starting the apps",
                (long long)(vm_now_ms() - t0), h.len == 4 ? vm_get_u32(p) : 0);
          if (stop_requested) {
            vm_queue_frame(&toguest, VF_STOP, 0, NULL, 0);
            stop_deadline = vm_now_ms() + (int64_t)(vs.stop_timeout * 1000) + 5000;
          }
          break;
        case VF_OUT:
          out(1, p, h.len);
          break;
        case VF_ERR:
          if (tty_raw) { /* the pod's own messages (no terminal yet): keep them readable */
            for (size_t i = 0; i < h.len; i++) {
              if (p[i] == '\n')
                out(2, "\r", 1);
              out(2, p + i, 1);
            }
          } else {
            out(2, p, h.len);
          }
          break;
        case VF_IN_ACK:
          if (h.len == 4)
            vm_stdin_acked(&in, vm_get_u32(p));
          break;
        case VF_EXIT:
          if (h.len == 4 && pod_code < 0) {
            pod_code = (int)(int32_t)vm_get_u32(p);
            exit_at = vm_now_ms();
            vm_queue_frame(&toguest, VF_BYE, 0, NULL, 0);
            bye_deadline = vm_now_ms() + 10000;
            if (vs.debug)
              say("stage1: the pod exited with %d, %lld ms after QEMU started", pod_code,
                  (long long)(vm_now_ms() - t0));
          }
          break;
        default:
          break;
        }
      }
      if (r < 0) {
        say("stage1: malformed frame from the VM");
        kill(qemu, SIGKILL);
        ctl_open = 0;
      }
      if (vm_queue_pending(&toguest) && vm_queue_flush(&toguest, ctl) != 0)
        toguest.off = toguest.len = 0;
    }

    if (pf[2].revents) {
      char buf[16384];
      ssize_t r;
      while ((r = read(con, buf, sizeof buf)) > 0) {
        write_all(logfd, buf, (size_t)r);
        if (vs.debug)
          out(2, buf, (size_t)r);
      }
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
        con_open = 0;
    }

    if (pf[3].revents & POLLIN) {
      int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) {
        int i = 0;
        while (i < MAX_CLIENTS && (clients[i].fd >= 0 || clients[i].chan))
          i++;
        if (i == MAX_CLIENTS) {
          close(fd);
        } else {
          memset(&clients[i], 0, sizeof clients[i]);
          clients[i].fd = fd;
        }
      }
    }

    if (pf[4].revents)
      vm_stdin_forward(&in, 0, &toguest);

    for (int i = 0; i < MAX_CLIENTS; i++) {
      struct client *c = &clients[i];
      struct pollfd *p = &pf[5 + i];
      if (c->fd < 0 || p->fd != c->fd)
        continue;
      if (p->revents & POLLOUT && vm_queue_flush(&c->q, c->fd) != 0) {
        client_drop(c, &toguest);
        continue;
      }
      if (p->revents & (POLLIN | POLLHUP | POLLERR)) {
        int r = vm_reader_fill(&c->rd, c->fd);
        if (r > 0)
          client_frames(c, &toguest);
        else if (r == 0 || errno != EAGAIN)
          client_drop(c, &toguest);
      }
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
      struct client *c = &clients[i];
      if (c->fd >= 0 && vm_queue_pending(&c->q))
        vm_queue_flush(&c->q, c->fd);
      if (c->fd >= 0 && c->exited && !vm_queue_pending(&c->q))
        client_free(c);
    }
    if (ctl_open && vm_queue_pending(&toguest) && vm_queue_flush(&toguest, ctl) != 0)
      toguest.off = toguest.len = 0;
  }

  if (qemu_status < 0) {
    kill(qemu, SIGKILL);
    while (waitpid(qemu, &qemu_status, 0) < 0 && errno == EINTR)
      ;
  }
  restore_tty();
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i].fd >= 0) {
      vm_queue_flush(&clients[i].q, clients[i].fd);
      client_free(&clients[i]);
    }
  }
  unlink(vs.control_socket);
  if (vs.timings_file) {
    char t[256];
    snprintf(t, sizeof t, "ready-ms %lld\nexit-code-ms %lld\nqemu-exit-ms %lld\nguest-uptime-at-ready-ms %u\n",
             ready_at < 0 ? -1LL : (long long)(ready_at - t0), exit_at < 0 ? -1LL : (long long)(exit_at - t0),
             (long long)(vm_now_ms() - t0), guest_uptime);
    write_file_atomic(vs.timings_file, t);
  }
  if (vs.debug)
    say("stage1: QEMU ended %lld ms after it started (%s %d)", (long long)(vm_now_ms() - t0),
        WIFSIGNALED(qemu_status) ? "signal" : "status",
        WIFSIGNALED(qemu_status) ? WTERMSIG(qemu_status) : WEXITSTATUS(qemu_status));
  if (pod_code >= 0)
    return pod_code;
  if (boot_failed)
    return EXIT_RKT;
  if (WIFSIGNALED(qemu_status))
    return 128 + WTERMSIG(qemu_status);
  if (WEXITSTATUS(qemu_status) != 0)
    say("stage1: QEMU failed (exit status %d)", WEXITSTATUS(qemu_status));
  else
    say("stage1: the VM stopped without reporting the pod's exit code; its console is in %s",
        vs.console_log);
  return EXIT_RKT;
}

int cmd_vm_dispatch(int argc, char **argv) {
  const char *cmd = argv[0];
  if (!strcmp(cmd, "vm-guest"))
    return cmd_vm_guest(argc - 1, argv + 1);
  if (!strcmp(cmd, "vm") && argc == 2)
    return cmd_vm(argv[1]);
  if (!strcmp(cmd, "vm")) {
    fputs("rkt-isolation: usage: vm SPEC-FILE\n", stderr);
    return EXIT_RKT;
  }
  fprintf(stderr, "rkt-isolation: unknown command \"%s\"\n", cmd);
  return EXIT_RKT;
}
