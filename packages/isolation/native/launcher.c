/* The launcher: the `rkt` command.
 *
 * Node.js has neither execve nor flock. The launcher runs the Node.js CLI as its child with
 * one end of a socketpair on fd 3 (RKT_LAUNCHER_FD=3) and serves lock and exec requests on
 * it. When the child has exited with status 0 after storing a launch plan, the launcher
 * execve()s the plan in its own place, so the pod keeps the PID the user started; otherwise
 * it exits with the child's code (128+N when killed by signal N).
 * Protocol: README.md, "Launcher protocol". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define CHILD_FD 3
#define MAX_REQ_FIELDS 8

extern char **environ;

struct strv {
  char **v;
  size_t n, cap;
};

struct plan {
  char *path, *cwd;
  struct strv argv, env;
  int *keep;
  size_t nkeep;
  char err[512];
};

static const int fwd_sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
static volatile pid_t child_pid;
static volatile sig_atomic_t child_done;

static int *held;
static size_t nheld, heldcap;

static struct plan *stored, *pending;

static void strv_add(struct strv *s, const char *v) {
  if (s->n + 2 > s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    s->v = xrealloc(s->v, s->cap * sizeof(char *));
  }
  s->v[s->n++] = v ? xstrdup(v) : NULL;
  s->v[s->n] = NULL;
}

static void strv_free(struct strv *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i]);
  free(s->v);
}

static void plan_free(struct plan *p) {
  if (!p)
    return;
  free(p->path);
  free(p->cwd);
  strv_free(&p->argv);
  strv_free(&p->env);
  free(p->keep);
  free(p);
}

static int is_held(int fd) {
  for (size_t i = 0; i < nheld; i++)
    if (held[i] == fd)
      return 1;
  return 0;
}

static void on_sigchld(int sig) {
  (void)sig;
  child_done = 1;
}

/* ---- replies ---- */

static int sock_fd = -1;

static void send_line(struct buf *b) {
  buf_add(b, "\n", 1);
  const char *p = b->p;
  size_t n = b->len;
  while (n > 0) {
    ssize_t w = send(sock_fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      break; /* the client went away: nothing to tell it */
    }
    p += w;
    n -= (size_t)w;
  }
  b->len = 0;
}

static struct buf out;

static void reply_ok(const char *value) {
  buf_adds(&out, "OK");
  if (value) {
    buf_add(&out, "\t", 1);
    buf_add_encoded(&out, value);
  }
  send_line(&out);
}

static void reply_err(const char *code, const char *msg) {
  buf_adds(&out, "ERR\t");
  buf_add_encoded(&out, code);
  buf_add(&out, "\t", 1);
  buf_add_encoded(&out, msg);
  send_line(&out);
}

static void reply_errno(int e) {
  reply_err(e == EWOULDBLOCK ? "EWOULDBLOCK" : errno_name(e), strerror(e));
}

/* ---- requests ---- */

/* O_NONBLOCK so that a FIFO cannot hang the launcher in open(); cleared afterwards because
 * the fd may be passed to the exec'd program. */
static int open_nb(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd >= 0)
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

static int parse_fd(const char *s) {
  unsigned long v;
  if (parse_ulong(s, 10, INT_MAX, &v) != 0)
    return -1;
  return (int)v;
}

static void req_lock(char **f, int n) {
  if (n != 4 || (strcmp(f[2], "ex") && strcmp(f[2], "sh")) || (strcmp(f[3], "0") && strcmp(f[3], "1"))) {
    reply_err("EINVAL", "usage: LOCK <path> <ex|sh> <0|1>");
    return;
  }
  int block = f[3][0] == '1';
  int op = (f[2][0] == 'e' ? LOCK_EX : LOCK_SH) | (block ? 0 : LOCK_NB);
  int fd = open_nb(f[1]);
  if (fd < 0) {
    reply_errno(errno);
    return;
  }
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (block) /* a blocking wait ends (EINTR) when the client dies */
    sigprocmask(SIG_UNBLOCK, &chld, &old);
  int r;
  while ((r = flock(fd, op)) != 0 && errno == EINTR && !child_done)
    ;
  int e = errno;
  if (block)
    sigprocmask(SIG_SETMASK, &old, NULL);
  if (r != 0) {
    close(fd);
    reply_errno(e);
    return;
  }
  if (nheld == heldcap) {
    heldcap = heldcap ? heldcap * 2 : 8;
    held = xrealloc(held, heldcap * sizeof(int));
  }
  held[nheld++] = fd;
  char num[16];
  snprintf(num, sizeof num, "%d", fd);
  reply_ok(num);
}

static void req_unlock(char **f, int n) {
  int fd = n == 2 ? parse_fd(f[1]) : -1;
  if (fd < 0) {
    reply_err("EINVAL", "usage: UNLOCK <fd>");
    return;
  }
  for (size_t i = 0; i < nheld; i++)
    if (held[i] == fd) {
      close(fd);
      held[i] = held[--nheld];
      reply_ok(NULL);
      return;
    }
  reply_err("EBADF", "not a lock held by the launcher");
}

static void req_probe(char **f, int n) {
  if (n != 2) {
    reply_err("EINVAL", "usage: PROBE <path>");
    return;
  }
  int fd = open_nb(f[1]);
  if (fd < 0) {
    reply_errno(errno);
    return;
  }
  int r = flock(fd, LOCK_SH | LOCK_NB);
  int e = errno;
  close(fd);
  if (r == 0)
    reply_ok("unlocked");
  else if (e == EWOULDBLOCK)
    reply_ok("locked");
  else
    reply_errno(e);
}

static void plan_error(const char *fmt, const char *arg) {
  if (!pending->err[0])
    snprintf(pending->err, sizeof pending->err, fmt, arg);
}

/* Returns 1 while the EXEC block goes on. */
static int exec_line(char **f, int n) {
  const char *k = f[0];
  if (!strcmp(k, "END")) {
    struct plan *p = pending;
    pending = NULL;
    if (!p->err[0] && !p->path)
      snprintf(p->err, sizeof p->err, "EXEC without PATH");
    if (!p->err[0] && p->argv.n == 0)
      snprintf(p->err, sizeof p->err, "EXEC without ARG (argv[0] is required)");
    if (p->err[0]) {
      reply_err("EINVAL", p->err);
      plan_free(p);
    } else {
      plan_free(stored);
      stored = p;
      reply_ok(NULL);
    }
    return 0;
  }
  int known = !strcmp(k, "PATH") || !strcmp(k, "ARG") || !strcmp(k, "ENV") || !strcmp(k, "CWD") ||
              !strcmp(k, "KEEPFD");
  if (!known) {
    plan_free(pending);
    pending = NULL;
    reply_err("EINVAL", "unexpected line in an EXEC block (expected PATH, ARG, ENV, CWD, KEEPFD or END)");
    return 0;
  }
  if (n != 2) {
    plan_error("%s takes exactly one field", k);
    return 1;
  }
  const char *v = f[1];
  if (!strcmp(k, "PATH")) {
    if (v[0] != '/')
      plan_error("PATH %s is not absolute", v);
    else if (pending->path)
      plan_error("%s", "duplicate PATH");
    else
      pending->path = xstrdup(v);
  } else if (!strcmp(k, "ARG")) {
    strv_add(&pending->argv, v);
  } else if (!strcmp(k, "ENV")) {
    if (!strchr(v, '=') || v[0] == '=')
      plan_error("ENV %s is not of the form NAME=VALUE", v);
    else
      strv_add(&pending->env, v);
  } else if (!strcmp(k, "CWD")) {
    if (pending->cwd)
      plan_error("%s", "duplicate CWD");
    else
      pending->cwd = xstrdup(v);
  } else {
    int fd = parse_fd(v);
    if (fd < 0 || (fd > 2 && !is_held(fd)))
      plan_error("KEEPFD %s is not a lock fd held by the launcher (nor 0-2)", v);
    else {
      pending->keep = xrealloc(pending->keep, (pending->nkeep + 1) * sizeof(int));
      pending->keep[pending->nkeep++] = fd;
    }
  }
  return 1;
}

static void handle_line(char *line) {
  char *f[MAX_REQ_FIELDS];
  int n = split_fields(line, "\t", f, MAX_REQ_FIELDS);
  int bad = n < 0;
  for (int i = 0; !bad && i < n; i++)
    bad = pct_decode(f[i]) != 0;
  if (pending) {
    if (bad) {
      plan_error("%s", "invalid field (too many fields or bad percent-encoding)");
      return;
    }
    exec_line(f, n);
    return;
  }
  if (bad) {
    reply_err("EINVAL", "invalid request (too many fields or bad percent-encoding)");
    return;
  }
  const char *r = f[0];
  if (!strcmp(r, "LOCK"))
    req_lock(f, n);
  else if (!strcmp(r, "UNLOCK"))
    req_unlock(f, n);
  else if (!strcmp(r, "PROBE"))
    req_probe(f, n);
  else if (!strcmp(r, "EXEC") && n == 1)
    pending = memset(xmalloc(sizeof *pending), 0, sizeof *pending);
  else if (!strcmp(r, "CANCEL") && n == 1) {
    plan_free(stored);
    stored = NULL;
    reply_ok(NULL);
  } else if (!strcmp(r, "PING") && n == 1)
    reply_ok("pong");
  else
    reply_err("EINVAL", "unknown request");
}

static void handle_input(struct buf *in) {
  size_t start = 0;
  for (;;) {
    char *nl = memchr(in->p + start, '\n', in->len - start);
    if (!nl)
      break;
    *nl = 0;
    handle_line(in->p + start);
    start = (size_t)(nl - in->p) + 1;
  }
  memmove(in->p, in->p + start, in->len - start);
  in->len -= start;
}

/* Serves requests until EOF, or until the child has exited (a grandchild that inherited
 * fd 3 must not keep us waiting): then what is already buffered is still served. */
static void serve(const sigset_t *pollmask) {
  struct buf in = {0};
  int draining = 0;
  for (;;) {
    if (child_done && !draining) {
      draining = 1;
      fcntl(sock_fd, F_SETFL, fcntl(sock_fd, F_GETFL) | O_NONBLOCK);
    }
    if (!draining) {
      struct pollfd p = {.fd = sock_fd, .events = POLLIN};
      if (ppoll(&p, 1, NULL, pollmask) < 0)
        continue; /* EINTR: SIGCHLD or a forwarded signal */
    }
    buf_reserve(&in, 65536);
    ssize_t n = read(sock_fd, in.p + in.len, 65536);
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR || (errno == EAGAIN && !draining))
        continue;
      break;
    }
    in.len += (size_t)n;
    handle_input(&in);
  }
  free(in.p);
}

/* ---- start-up ---- */

/* The developer overrides RKT_NODE and RKT_CLI name what rkt runs as root. They are
 * honoured only for a path root alone controls: its real path's file and every directory
 * above it owned by root and not writable by group or others (a sticky directory such as
 * /tmp is fine: others cannot replace root's entries in it), so that the environment can
 * never make rkt run code root did not install. The resolved path is what runs: a symlink
 * swapped after this check changes nothing. */
static char *trusted_path(const char *var, const char *path) {
  char *real = realpath(path, NULL);
  if (!real)
    fail_errno("rkt: %s=%s", var, path);
  char *p = xstrdup(real);
  for (int file = 1;; file = 0) {
    struct stat sb;
    const char *at = *p ? p : "/";
    if (stat(at, &sb) != 0)
      fail_errno("rkt: %s=%s: %s", var, path, at);
    int sticky_dir = !file && S_ISDIR(sb.st_mode) && (sb.st_mode & S_ISVTX);
    if (sb.st_uid != 0 || ((sb.st_mode & 022) && !sticky_dir))
      fail("rkt: %s=%s is not used: %s is %s (mode %04o); the program rkt runs as root must be root's, "
           "in directories only root can write",
           var, path, at, sb.st_uid != 0 ? "not owned by root" : "writable by other users",
           (unsigned)(sb.st_mode & 07777));
    if (!*p)
      break;
    char *slash = strrchr(p, '/');
    *slash = 0;
  }
  free(p);
  return real;
}

/* REL in the directory LEVELS levels above this executable's real path. */
static char *beside_self(int levels, const char *rel) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0)
    fail_errno("rkt: cannot find my own executable (/proc/self/exe)");
  exe[n] = 0;
  for (int i = 0; i < levels; i++) {
    char *s = strrchr(exe, '/');
    if (s)
      *s = 0;
  }
  return xasprintf("%s/%s", exe, rel);
}

/* rkt-ts brings its own Node.js (scripts/install-node.sh installs it):
 * <root>/packages/isolation/bin/rkt-isolation runs <root>/runtime/node/bin/node, in a
 * checkout and in the installed package alike. RKT_NODE names another one (developers). */
static char *find_node(void) {
  const char *e = getenv("RKT_NODE");
  if (e && *e) {
    if (access(e, X_OK) != 0)
      fail_errno("rkt: RKT_NODE=%s is not executable", e);
    return trusted_path("RKT_NODE", e);
  }
  char *node = beside_self(4, "runtime/node/bin/node");
  if (access(node, X_OK) != 0)
    fail_errno("rkt: cannot run rkt-ts's Node.js runtime %s (install it with scripts/install-node.sh, or set RKT_NODE to a Node.js 24 binary)", node);
  return node;
}

static char *find_cli(void) {
  const char *e = getenv("RKT_CLI");
  if (e && *e) {
    if (access(e, R_OK) != 0)
      fail_errno("rkt: cannot find the rkt CLI script %s (set RKT_CLI)", e);
    return trusted_path("RKT_CLI", e);
  }
  /* <pkgs>/isolation/bin/rkt-isolation -> <pkgs>/cli/bin/rkt.cjs (which loads the bundled
   * CLI when it is current, else dist/main.js) */
  char *cli = beside_self(3, "cli/bin/rkt.cjs");
  if (access(cli, R_OK) != 0)
    fail_errno("rkt: cannot find the rkt CLI script %s (set RKT_CLI)", cli);
  return cli;
}

/* Variables that make Node.js or the dynamic loader run other code or write files
 * (NODE_OPTIONS=--require=..., NODE_PATH, NODE_COMPILE_CACHE, NODE_REDIRECT_WARNINGS,
 * LD_PRELOAD, GCONV_PATH, GLIBC_TUNABLES...): a root tool must not take them from its
 * caller's environment (sudo drops the same for setuid programs). NODE_EXTRA_CA_CERTS only
 * adds trusted certificates, as SSL_CERT_FILE does for rkt (and did for Go's rkt). */
static int steers_the_runtime(const char *e) {
  if (!strncmp(e, "NODE_EXTRA_CA_CERTS=", 20))
    return 0;
  return !strncmp(e, "NODE_", 5) || !strncmp(e, "LD_", 3) || !strncmp(e, "GCONV_PATH=", 11) ||
         !strncmp(e, "GLIBC_TUNABLES=", 15);
}

/* The CLI's environment: ours, without what steers the runtime, plus the launcher socket
 * and the helper's own path (the CLI may run bundled, far from this package, and its
 * stage1s exec this very binary). */
static char **child_env(void) {
  size_t n = 0;
  for (char **e = environ; *e; e++)
    n++;
  char **env = xmalloc((n + 3) * sizeof(char *));
  size_t k = 0;
  for (char **e = environ; *e; e++)
    if (strncmp(*e, "RKT_LAUNCHER_FD=", 16) != 0 && strncmp(*e, "RKT_ISOLATION_HELPER=", 21) != 0 &&
        !steers_the_runtime(*e))
      env[k++] = *e;
  env[k++] = "RKT_LAUNCHER_FD=3";
  char *self = realpath("/proc/self/exe", NULL);
  if (self)
    env[k++] = xasprintf("RKT_ISOLATION_HELPER=%s", self);
  env[k] = NULL;
  return env;
}

NORETURN static void exec_plan(struct plan *p, const struct sigaction *old_chld, const sigset_t *orig) {
  if (p->cwd && chdir(p->cwd) != 0)
    fail_errno("rkt: cannot change directory to %s", p->cwd);
  for (size_t i = 0; i < p->nkeep; i++)
    fcntl(p->keep[i], F_SETFD, 0);
  sig_forward_restore();
  sigaction(SIGCHLD, old_chld, NULL);
  sigprocmask(SIG_SETMASK, orig, NULL);
  char *noenv[] = {NULL};
  execve(p->path, p->argv.v, p->env.v ? p->env.v : noenv);
  fail_errno("rkt: cannot execute %s", p->path);
}

int cmd_launch(int argc, char **argv) {
  /* Whatever the caller's umask, nothing rkt creates is writable by group or others unless
   * it says so (a pid file anyone could rewrite would make rkt stop signal any process). */
  umask(umask(0) | 022);
  char *node = find_node();
  char *cli = find_cli();

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    fail_errno("rkt: socketpair");

  char **cargv = xmalloc((size_t)(argc + 3) * sizeof(char *));
  cargv[0] = node;
  cargv[1] = cli;
  for (int i = 0; i < argc; i++)
    cargv[i + 2] = argv[i];
  cargv[argc + 2] = NULL;
  char **cenv = child_env();

  sigset_t block, orig;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  for (size_t i = 0; i < sizeof fwd_sigs / sizeof fwd_sigs[0]; i++)
    sigaddset(&block, fwd_sigs[i]);
  sigprocmask(SIG_BLOCK, &block, &orig);
  struct sigaction sa, old_chld;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, &old_chld);

  pid_t launcher_pid = getpid();
  pid_t pid = fork();
  if (pid < 0)
    fail_errno("rkt: fork");
  if (pid == 0) {
    /* The CLI works under the launcher's locks and for its exec: when the launcher is killed
     * (kill -9 rkt), the CLI stops too instead of going on unlocked. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != launcher_pid)
      _exit(128 + SIGKILL);
    if (sv[1] == CHILD_FD ? fcntl(CHILD_FD, F_SETFD, 0) != 0 : dup2(sv[1], CHILD_FD) < 0)
      fail_errno("rkt: setting up fd %d", CHILD_FD);
    sigaction(SIGCHLD, &old_chld, NULL);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    execve(node, cargv, cenv);
    fail_errno("rkt: cannot execute %s", node);
  }
  close(sv[1]);
  sock_fd = sv[0];
  free(cargv);
  free(cenv);

  child_pid = pid;
  sig_forward_install(fwd_sigs, (int)(sizeof fwd_sigs / sizeof fwd_sigs[0]), &child_pid);
  sigset_t fwd_only;
  sigemptyset(&fwd_only);
  for (size_t i = 0; i < sizeof fwd_sigs / sizeof fwd_sigs[0]; i++)
    if (!sigismember(&orig, fwd_sigs[i]))
      sigaddset(&fwd_only, fwd_sigs[i]);
  sigprocmask(SIG_UNBLOCK, &fwd_only, NULL);
  sigset_t pollmask;
  sigprocmask(SIG_SETMASK, NULL, &pollmask);
  sigdelset(&pollmask, SIGCHLD);

  serve(&pollmask);
  close(sock_fd);
  plan_free(pending);
  pending = NULL;

  /* Wait without reaping first, so a forwarded signal can never reach a recycled pid. */
  siginfo_t si;
  while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
    ;
  child_pid = 0;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  int code = WEXITSTATUS(status);
  if (code == 0 && stored)
    exec_plan(stored, &old_chld, &orig);
  return code;
}
