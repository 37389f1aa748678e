/* The pod init's control channel: the host's requests to a running pod, as frames (vm.h).
 * README.md ("Control channel") is the protocol's reference.
 *
 * Connections come from a listening unix socket in the stage1 root (nspawn: reachable from
 * the host only, mode 0600 in a 0700 directory, clients outside the pod's pid namespace), or
 * one connection is inherited (kvm: the guest init passes the host's channels 1..65535 on).
 * A connection carries channels; each request opens one. Today's request is VF_OPEN, an rkt
 * enter session: a command forked by the init itself into an app, so that it gets exactly
 * the app's confinement (its mount namespace and root, cgroups, bounding set, credentials,
 * no_new_privs, seccomp filter; the pod's other namespaces, cgroup namespace included) by
 * construction (app.c, ROLE_SESSION). Its stdio are the client's own fds when they came with
 * the request (SCM_RIGHTS), else relayed as frames (relay.c): pipes, or a pseudo-terminal of
 * the pod. Its exit code (128+N for signal N) ends the channel (VF_EXIT).
 *
 * The init never blocks on a client: every write is queued and flushed when the socket takes
 * it, and a session's output is not read while its connection has more than OUT_HIGH bytes
 * waiting; stdin beyond the flow-control window is a protocol error. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "initpod.h"
#include "relay.h"
#include "vm.h"

#define MAX_CONNS 64
#define MAX_SESSIONS 64
#define OUT_HIGH (256u * 1024)

struct conn {
  int fd;       /* -1: closed (free once no session refers to it) */
  int accepted; /* from the listening socket (one client, which may pass fds) */
  int nfds;     /* stdio fds that came with a request and are not taken yet */
  int fds[VM_MAX_FDS];
  struct vm_reader rd;
  struct vm_queue q;
};

struct session {
  int used;
  int conn;
  unsigned chan;
  pid_t pid; /* its process (a session leader); 0 once reaped */
  int code;
  int passed; /* its stdio are the client's fds: nothing to relay */
  struct relay r;
};

static struct conn conns[MAX_CONNS];
static struct session sessions[MAX_SESSIONS];
static int lfd = -1, inited, refusing, own_pid_ns;

enum slot_kind { SLOT_LISTEN, SLOT_CONN, SLOT_OUT, SLOT_ERR, SLOT_IN };
static struct {
  enum slot_kind kind;
  int idx;
} slots[CTL_MAX_POLL];

static void init_tables(void) {
  if (inited)
    return;
  inited = 1;
  for (int i = 0; i < MAX_CONNS; i++)
    conns[i].fd = -1;
}

static int conn_has_sessions(int conn) {
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].conn == conn)
      return 1;
  return 0;
}

static int conn_add(int fd, int accepted) {
  for (int i = 0; i < MAX_CONNS; i++)
    if (conns[i].fd < 0 && !conn_has_sessions(i)) {
      memset(&conns[i], 0, sizeof conns[i]);
      conns[i].fd = fd;
      conns[i].accepted = accepted;
      return i;
    }
  close(fd);
  return -1;
}

void ctl_serve(const char *path, int conn_fd) {
  init_tables();
  own_pid_ns = getpid() == 1;
  if (conn_fd >= 0) {
    fcntl(conn_fd, F_SETFL, fcntl(conn_fd, F_GETFL) | O_NONBLOCK);
    conn_add(conn_fd, 0);
  }
  if (path) {
    /* Its directory is root's alone (0700); the apps, in mount namespaces of their own, never
     * see the stage1 root it is in. */
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
      *slash = 0;
      struct stat sb;
      if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
          sb.st_uid != 0 || chmod(dir, 0700) != 0)
        fail_errno("stage1: the control socket's directory %s", dir);
    }
    free(dir);
    lfd = vm_listen_unix(path);
    if (lfd < 0)
      fail_errno("stage1: the control socket %s", path);
  }
}

void ctl_stopping(void) { refusing = 1; }

static struct session *session_of(int conn, unsigned chan) {
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].conn == conn && sessions[i].chan == chan)
      return &sessions[i];
  return NULL;
}

static void send_frame(int conn, int type, unsigned chan, const void *p, size_t n) {
  struct conn *c = &conns[conn];
  if (c->fd >= 0)
    vm_queue_frame(&c->q, type, chan, p, n);
}

static void refuse(int conn, unsigned chan, const char *msg) {
  int32_t code = EXIT_RKT;
  send_frame(conn, VF_ERR, chan, msg, strlen(msg));
  send_frame(conn, VF_EXIT, chan, &code, sizeof code);
}

static void close_fds(struct conn *c) {
  for (int i = 0; i < c->nfds; i++)
    close(c->fds[i]);
  c->nfds = 0;
}

/* The connection is over (end of file, an error, a protocol violation): its sessions get no
 * more frames, and their processes end, as when an rkt enter client is killed. */
static void conn_drop(int conn) {
  struct conn *c = &conns[conn];
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  close_fds(c);
  free(c->rd.p);
  free(c->q.p);
  memset(&c->rd, 0, sizeof c->rd);
  memset(&c->q, 0, sizeof c->q);
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].conn == conn && sessions[i].pid > 0)
      kill(-sessions[i].pid, SIGKILL);
}

static void session_free(struct session *s) {
  relay_close(&s->r);
  memset(s, 0, sizeof *s);
}

/* The process of a session: the stdio, then the app's confinement (app.c). */
NORETURN static void session_child(const struct app *a, struct vm_open *o, struct stdio_plan *p,
                                   const int *fds) {
  pod_child_reset();
  int ok;
  if (fds) {
    ok = setsid() >= 0;
    for (int i = 0; ok && i < 3; i++)
      ok = dup2(fds[i], i) >= 0;
  } else {
    ok = relay_child_stdio(p, 1) == 0;
  }
  if (!ok) {
    fprintf(stderr, "stage1: the enter session's stdio: %s\n", strerror(errno));
    _exit(EXIT_RKT);
  }
  struct app_exec x = pod_app_exec(a, ROLE_SESSION);
  x.path = o->argv[0];
  x.argv = o->argv;
  x.env = o->env;
  app_exec(&x, -1);
}

static void open_session(int conn, unsigned chan, struct vm_open *o) {
  struct conn *c = &conns[conn];
  struct app *a = refusing ? NULL : pod_find_app(o->app);
  char msg[512];
  struct session *s = NULL;
  if (refusing) {
    snprintf(msg, sizeof msg, "stage1: the pod is stopping\n");
  } else if (!a) {
    snprintf(msg, sizeof msg, "stage1: the pod has no app %s\n", o->app);
  } else if (!o->argv[0]) {
    snprintf(msg, sizeof msg, "stage1: invalid enter request: no command\n");
  } else {
    for (int i = 0; i < MAX_SESSIONS && !s; i++)
      if (!sessions[i].used)
        s = &sessions[i];
    if (!s)
      snprintf(msg, sizeof msg, "stage1: too many enter sessions\n");
  }
  /* Passed fds serve a session without a terminal; a terminal is the pod's own pty. */
  int passed = c->nfds == 3 && !o->tty;
  if (s) {
    memset(s, 0, sizeof *s);
    relay_reset(&s->r);
    struct stdio_plan p = {.in_r = -1, .out_w = -1, .err_w = -1};
    if (!passed && relay_open(&s->r, &p, o->tty, 1, o->rows, o->cols) != 0) {
      snprintf(msg, sizeof msg, "stage1: the enter session's stdio: %s\n", strerror(errno));
      relay_close(&s->r);
      s = NULL;
    } else {
      pid_t pid = fork();
      if (pid == 0)
        session_child(a, o, &p, passed ? c->fds : NULL);
      relay_plan_close(&p);
      if (pid < 0) {
        snprintf(msg, sizeof msg, "stage1: fork: %s\n", strerror(errno));
        relay_close(&s->r);
        s = NULL;
      } else {
        s->used = 1;
        s->conn = conn;
        s->chan = chan;
        s->pid = pid;
        s->passed = passed;
      }
    }
  }
  close_fds(c);
  if (!s)
    refuse(conn, chan, msg);
}

static void conn_frames(int conn) {
  struct conn *c = &conns[conn];
  struct vm_frame_hdr h;
  const unsigned char *p;
  int r;
  while (c->fd >= 0 && (r = vm_reader_next(&c->rd, &h, &p)) == 1) {
    if (c->nfds > 0 && h.type != VF_OPEN) {
      conn_drop(conn); /* fds come with a request only */
      return;
    }
    struct session *s = session_of(conn, h.chan);
    switch (h.type) {
    case VF_OPEN: {
      struct vm_open o;
      if (s)
        refuse(conn, h.chan, "stage1: the channel is in use\n");
      else if (vm_open_decode(p, h.len, &o) != 0)
        refuse(conn, h.chan, "stage1: invalid enter request\n");
      else {
        open_session(conn, h.chan, &o);
        vm_open_free(&o);
      }
      break;
    }
    case VF_IN:
      if (s && !s->passed) {
        if (vm_queue_pending(&s->r.inq) + h.len > VM_IN_WINDOW) {
          conn_drop(conn); /* beyond the window the client was granted */
          return;
        }
        relay_input(&s->r, p, h.len, h.chan, &c->q);
      } else if (h.len > 0) { /* nobody reads it: acknowledge, so that the sender is not stuck */
        unsigned char a[4];
        vm_put_u32(a, h.len);
        send_frame(conn, VF_IN_ACK, h.chan, a, 4);
      }
      break;
    case VF_IN_EOF:
      if (s && !s->passed) {
        s->r.in_eof = 1;
        relay_flush_in(&s->r, h.chan, &c->q);
      }
      break;
    case VF_WINSZ:
      if (s)
        relay_winsz(&s->r, p, h.len);
      break;
    case VF_SIGNAL:
      if (s && s->pid > 0 && h.len == 4) {
        int sig = (int)vm_get_u32(p);
        if (sig > 0 && sig < 65)
          kill(-s->pid, sig);
      }
      break;
    case VF_CLOSE:
      if (s && s->pid > 0)
        kill(-s->pid, SIGKILL);
      break;
    default:
      if (!s && !vm_frame_in_session(h.type)) {
        char m[64];
        snprintf(m, sizeof m, "stage1: unsupported request %d\n", h.type);
        refuse(conn, h.chan, m);
      }
      break;
    }
  }
  if (c->fd >= 0 && r < 0)
    conn_drop(conn); /* a malformed frame */
}

/* A client of the listening socket: root, from outside the pod (when the init is PID 1 of
 * the pod's pid namespace, a peer outside it has no pid in it: 0). */
static void accept_client(void) {
  int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0)
    return;
  struct ucred cr;
  socklen_t len = sizeof cr;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || cr.uid != 0 ||
      (own_pid_ns && cr.pid != 0)) {
    close(fd);
    return;
  }
  conn_add(fd, 1);
}

static void conn_read(int conn) {
  struct conn *c = &conns[conn];
  int r = c->accepted ? vm_reader_fill_fds(&c->rd, c->fd, c->fds, &c->nfds, 3)
                      : vm_reader_fill(&c->rd, c->fd);
  if (r < 0 && errno == EAGAIN)
    return;
  conn_frames(conn);
  if (r <= 0 && c->fd >= 0)
    conn_drop(conn);
}

/* A session whose process is reaped and whose output has all been read is over. */
static void sessions_done(void) {
  for (int i = 0; i < MAX_SESSIONS; i++) {
    struct session *s = &sessions[i];
    if (!s->used || s->pid > 0 || (!s->passed && (s->r.out_fd >= 0 || s->r.err_fd >= 0)))
      continue;
    int32_t code = s->code;
    send_frame(s->conn, VF_EXIT, s->chan, &code, sizeof code);
    session_free(s);
  }
}

int ctl_pollfds(struct pollfd *pf, int max) {
  init_tables();
  sessions_done();
  int n = 0;
#define SLOT(k, i, f, ev)                                                                          \
  do {                                                                                             \
    if (n < max) {                                                                                 \
      slots[n].kind = (k);                                                                         \
      slots[n].idx = (i);                                                                          \
      pf[n++] = (struct pollfd){.fd = (f), .events = (short)(ev)};                                 \
    }                                                                                              \
  } while (0)
  if (lfd >= 0)
    SLOT(SLOT_LISTEN, 0, lfd, POLLIN);
  for (int i = 0; i < MAX_CONNS; i++)
    if (conns[i].fd >= 0)
      SLOT(SLOT_CONN, i, conns[i].fd, POLLIN | (vm_queue_pending(&conns[i].q) ? POLLOUT : 0));
  for (int i = 0; i < MAX_SESSIONS; i++) {
    struct session *s = &sessions[i];
    if (!s->used || s->passed)
      continue;
    struct conn *c = &conns[s->conn];
    /* A client that does not read holds its session's output back, not the init. */
    int room = c->fd < 0 || vm_queue_pending(&c->q) < OUT_HIGH;
    int tty = s->r.tty && s->r.in_fd == s->r.out_fd;
    if (s->r.out_fd >= 0 && (room || (tty && relay_wants_write(&s->r))))
      SLOT(SLOT_OUT, i, s->r.out_fd, (room ? POLLIN : 0) | (tty && relay_wants_write(&s->r) ? POLLOUT : 0));
    if (s->r.err_fd >= 0 && room)
      SLOT(SLOT_ERR, i, s->r.err_fd, POLLIN);
    if (!tty && relay_wants_write(&s->r))
      SLOT(SLOT_IN, i, s->r.in_fd, POLLOUT);
  }
#undef SLOT
  return n;
}

void ctl_events(const struct pollfd *pf, int n) {
  for (int k = 0; k < n; k++) {
    if (!pf[k].revents)
      continue;
    int i = slots[k].idx;
    switch (slots[k].kind) {
    case SLOT_LISTEN:
      accept_client();
      break;
    case SLOT_CONN:
      if (conns[i].fd != pf[k].fd)
        break;
      if (pf[k].revents & POLLOUT && vm_queue_flush(&conns[i].q, conns[i].fd) != 0) {
        conn_drop(i);
        break;
      }
      if (pf[k].revents & (POLLIN | POLLHUP | POLLERR))
        conn_read(i);
      break;
    case SLOT_OUT:
    case SLOT_ERR:
    case SLOT_IN: {
      struct session *s = &sessions[i];
      if (!s->used)
        break;
      struct vm_queue *q = &conns[s->conn].q;
      if (slots[k].kind == SLOT_IN || (pf[k].revents & POLLOUT))
        relay_flush_in(&s->r, s->chan, q);
      if (slots[k].kind == SLOT_OUT && s->r.out_fd == pf[k].fd && (pf[k].revents & ~POLLOUT))
        relay_read(&s->r, &s->r.out_fd, VF_OUT, s->chan, q);
      if (slots[k].kind == SLOT_ERR && s->r.err_fd == pf[k].fd)
        relay_read(&s->r, &s->r.err_fd, VF_ERR, s->chan, q);
      break;
    }
    }
  }
  sessions_done();
  for (int i = 0; i < MAX_CONNS; i++)
    if (conns[i].fd >= 0 && vm_queue_pending(&conns[i].q) && vm_queue_flush(&conns[i].q, conns[i].fd) != 0)
      conn_drop(i);
}

int ctl_reaped(pid_t pid, int code) {
  for (int i = 0; i < MAX_SESSIONS; i++) {
    struct session *s = &sessions[i];
    if (s->used && s->pid == pid) {
      s->pid = 0;
      s->code = code;
      if (s->r.slave_fd >= 0) {
        close(s->r.slave_fd);
        s->r.slave_fd = -1;
      }
      return 1;
    }
  }
  return 0;
}

void ctl_signal_sessions(int sig) {
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].pid > 0)
      kill(-sessions[i].pid, sig);
}

void ctl_finish(void) {
  init_tables();
  refusing = 1;
  if (lfd >= 0)
    close(lfd);
  lfd = -1;
  ctl_signal_sessions(SIGKILL);
  int64_t end = vm_now_ms() + 1000;
  for (;;) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      ctl_reaped(pid, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    struct pollfd pf[CTL_MAX_POLL];
    int n = ctl_pollfds(pf, CTL_MAX_POLL);
    int busy = 0;
    for (int i = 0; i < MAX_SESSIONS; i++)
      busy |= sessions[i].used;
    for (int i = 0; i < MAX_CONNS; i++)
      busy |= conns[i].fd >= 0 && vm_queue_pending(&conns[i].q) > 0;
    int64_t left = end - vm_now_ms();
    if (!busy || left <= 0)
      break;
    if (poll(pf, (nfds_t)n, left > 20 ? 20 : (int)left) > 0)
      ctl_events(pf, n);
  }
}
