/* "ctl-enter": rkt enter through a pod's control channel (vm.h; README.md, "Control
 * channel"). Connects to the control socket (the nspawn pod init's, or the kvm pod
 * supervisor's, which passes it on to the VM), asks the pod init to run a command in an app
 * (VF_OPEN), and exits with the command's exit code. The pod init spawns the command itself,
 * with the app's confinement.
 *
 * With a terminal on both stdin and stdout the command gets a pseudo-terminal of the pod:
 * ours is put in raw mode and its bytes, size and signals are relayed. Otherwise, with
 * pass-fds (nspawn), our stdin, stdout and stderr themselves are handed to the command
 * (SCM_RIGHTS): nothing is relayed, only signals; without (kvm), they are relayed as frames.
 * SIGTERM, SIGINT, SIGHUP and SIGQUIT are passed on to the command's process group: it is
 * in a session of its own in the pod, not in ours.
 *
 * Spec (the spec encoding):
 *   version 1
 *   control-socket <path>
 *   app <name>
 *   pass-fds                our stdio go to the command as they are (when not a terminal)
 *   env <K=V>               repeatable: the command's exact environment
 *   exec <argv0> [<arg>...] the command, searched in the app's PATH (from env) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common.h"
#include "vm.h"

#define MAX_ARGS 4096

int cmd_ctl_enter(const char *spec_path, int remove_spec) {
  size_t len;
  char *text = read_file(spec_path, 16u << 20, &len);
  if (!text)
    fail_errno("rkt-isolation: cannot read spec %s", spec_path);
  if (remove_spec)
    unlink(spec_path);
  char *sock = NULL;
  struct vm_open o = {0};
  char **env = xmalloc(sizeof(char *)), **argv = NULL;
  size_t nenv = 0;
  int line = 0, version = 0, pass_fds = 0;
  char **f = xmalloc(MAX_ARGS * sizeof(char *));
  for (char *next = text, *l; (l = next_spec_line(&next, &line));) {
    int n = split_fields(l, " ", f, MAX_ARGS);
    if (n < 0)
      fail("rkt-isolation: %s:%d: too many fields", spec_path, line);
    if (pct_decode_fields(f, n))
      fail("rkt-isolation: %s:%d: invalid percent-encoding", spec_path, line);
    if (n == 2 && !strcmp(f[0], "version") && !strcmp(f[1], "1")) {
      version = 1;
    } else if (n == 2 && !strcmp(f[0], "control-socket")) {
      sock = f[1];
    } else if (n == 2 && !strcmp(f[0], "app")) {
      o.app = f[1];
    } else if (n == 1 && !strcmp(f[0], "pass-fds")) {
      pass_fds = 1;
    } else if (n == 2 && !strcmp(f[0], "env") && strchr(f[1], '=')) {
      env = xrealloc(env, (nenv + 2) * sizeof(char *));
      env[nenv++] = f[1];
    } else if (n >= 2 && !strcmp(f[0], "exec") && !argv) {
      argv = xmalloc((size_t)n * sizeof(char *));
      memcpy(argv, f + 1, (size_t)(n - 1) * sizeof(char *));
      argv[n - 1] = NULL;
    } else {
      fail("rkt-isolation: %s:%d: unknown directive or wrong arguments: %s", spec_path, line, f[0]);
    }
  }
  env[nenv] = NULL;
  if (!version || !sock || !o.app || !argv)
    fail("rkt-isolation: %s: version 1, control-socket, app and exec are required", spec_path);
  o.env = env;
  o.argv = argv;

  int fd = vm_connect_unix(sock);
  if (fd < 0)
    fail_errno("stage1: cannot reach the pod at %s (is the pod running?)", sock);

  struct termios saved;
  int raw = 0;
  o.tty = isatty(0) && isatty(1);
  if (o.tty) {
    struct winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0) {
      o.rows = ws.ws_row;
      o.cols = ws.ws_col;
    }
    if (tcgetattr(0, &saved) == 0) {
      struct termios t = saved;
      cfmakeraw(&t);
      raw = tcsetattr(0, TCSANOW, &t) == 0;
    }
  }

  sigset_t set;
  sigemptyset(&set);
  int sigs[] = {SIGWINCH, SIGTERM, SIGINT, SIGHUP, SIGQUIT};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&set, sigs[i]);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);

  struct vm_queue q = {0};
  struct vm_reader rd = {0};
  struct vm_stdin in = {.open = 1, .credit = VM_IN_WINDOW};
  struct buf req = {0};
  vm_open_payload(&req, &o);
  if (pass_fds && !o.tty) {
    /* Our stdio go with the request; none of it is read here. */
    int fds[3];
    for (int i = 0; i < 3; i++) {
      fds[i] = i;
      if (fcntl(i, F_GETFD) < 0 && (fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
        fail_errno("stage1: opening /dev/null");
    }
    if (vm_write_frame_fds(fd, VF_OPEN, 0, req.p, req.len, fds, 3) != 0)
      fail_errno("stage1: sending the request to the pod");
    in.open = 0;
  } else {
    vm_queue_frame(&q, VF_OPEN, 0, req.p, req.len);
  }
  free(req.p);
  int code = -1;
  fcntl(fd, F_SETFL, O_NONBLOCK);

  while (code < 0) {
    struct pollfd pf[3] = {
        {.fd = fd, .events = (short)(POLLIN | (vm_queue_pending(&q) ? POLLOUT : 0))},
        {.fd = vm_stdin_wants(&in) ? 0 : -1, .events = POLLIN},
        {.fd = sfd, .events = POLLIN},
    };
    if (poll(pf, 3, -1) < 0 && errno != EINTR)
      break;
    if (pf[2].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGWINCH) {
          struct winsize ws;
          if (o.tty && ioctl(0, TIOCGWINSZ, &ws) == 0) {
            unsigned char p[4] = {(unsigned char)ws.ws_row, (unsigned char)(ws.ws_row >> 8),
                                  (unsigned char)ws.ws_col, (unsigned char)(ws.ws_col >> 8)};
            vm_queue_frame(&q, VF_WINSZ, 0, p, 4);
          }
        } else {
          unsigned char p[4];
          vm_put_u32(p, si.ssi_signo);
          vm_queue_frame(&q, VF_SIGNAL, 0, p, 4);
        }
      }
    }
    if (pf[1].revents)
      vm_stdin_forward(&in, 0, &q);
    if (vm_queue_flush(&q, fd) != 0)
      break;
    if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      int r = vm_reader_fill(&rd, fd);
      if (r == 0 || (r < 0 && errno != EAGAIN))
        break;
      struct vm_frame_hdr h;
      const unsigned char *p;
      while (code < 0 && (r = vm_reader_next(&rd, &h, &p)) == 1) {
        if (h.type == VF_OUT)
          write_all(1, p, h.len);
        else if (h.type == VF_ERR)
          write_all(2, p, h.len);
        else if (h.type == VF_IN_ACK && h.len == 4)
          vm_stdin_acked(&in, vm_get_u32(p));
        else if (h.type == VF_EXIT && h.len == 4)
          code = (int)(int32_t)vm_get_u32(p);
      }
      if (r < 0)
        break;
    }
  }
  if (raw)
    tcsetattr(0, TCSADRAIN, &saved);
  if (code < 0) {
    fputs("stage1: lost the connection to the pod (the pod stopped?)\n", stderr);
    return EXIT_RKT;
  }
  return code;
}
