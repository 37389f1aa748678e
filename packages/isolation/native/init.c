/* "init": the pod's PID 1 (inside systemd-nspawn, or a VM).
 *
 * It reads the pod spec (the apps, in order, each described by a spec file of its own),
 * makes every app's mount namespace (its mounts, then pivot_root into its root: appns.c),
 * then starts the apps: each in a session of its own, in its mount namespace, with its
 * credentials, capabilities and seccomp filter (app.c). It reaps every process of the pod (it
 * is PID 1, or a subreaper), records each app's exit code in its status file, runs the event
 * handlers (pre-start before the app, post-stop after it, as root but otherwise confined as
 * the app), serves the host's requests on its control channel (ctl.c: rkt enter), and ends
 * the pod as rkt did:
 *
 *  - when every app has exited, or
 *  - at the first app that fails (exit code != 0, or a failed pre-start handler), or
 *  - on SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPWR or SIGRTMIN+3 (rkt stop, systemd-nspawn),
 *
 * the apps still running get SIGTERM (their whole process group), then SIGKILL once the stop
 * timeout has passed; the init exits with the first failing app's code, else 0. Apps ended by
 * the stop do not count as failures; their status files still record how they ended (0 when
 * the stop's SIGTERM ended them, as rkt recorded it).
 *
 * Pod spec (same encoding as the app specs):
 *   version 1
 *   stop-timeout <seconds>      default 10, decimals allowed
 *   ready-file <path>           a symlink to "ready" made once every app is started
 *   control-socket <path>       where the control channel listens (made before ready-file)
 *   app <name> <spec file>      repeatable, in start order */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "initpod.h"

#define MAX_POD_FIELDS 8

struct pod {
  const char *path;
  long long stop_timeout_ms;
  char *ready_file;
  char *control_socket;
  struct app *apps;
  size_t napps;
};

static struct pod the_pod;
static sigset_t orig_mask;
static pid_t self;
static mode_t orig_umask;

struct app *pod_find_app(const char *name) {
  for (size_t i = 0; i < the_pod.napps; i++)
    if (!strcmp(the_pod.apps[i].name, name))
      return &the_pod.apps[i];
  return NULL;
}

struct app_exec pod_app_exec(const struct app *a, enum app_role role) {
  struct app_exec x = {.s = &a->s,
                       .filter = a->filter,
                       .umask = orig_umask,
                       .mntns = a->mntns,
                       .role = role,
                       .new_session = role != ROLE_SESSION};
  return x;
}

void pod_child_reset(void) {
  sigprocmask(SIG_SETMASK, &orig_mask, NULL);
  signal(SIGPIPE, SIG_DFL);
}

static void pod_load(const char *path, struct pod *p) {
  memset(p, 0, sizeof *p);
  p->path = path;
  p->stop_timeout_ms = 10000;
  size_t len;
  char *text = read_file(path, 1u << 20, &len);
  if (!text)
    fail_errno("rkt-isolation: cannot read the pod spec %s", path);
  int line = 0, version = 0;
  char *f[MAX_POD_FIELDS];
  for (char *next = text, *l; (l = next_spec_line(&next, &line));) {
    int n = split_fields(l, " ", f, MAX_POD_FIELDS);
    if (pct_decode_fields(f, n))
      fail("rkt-isolation: %s:%d: invalid percent-encoding", path, line);
    if (n == 2 && !strcmp(f[0], "version")) {
      if (strcmp(f[1], "1"))
        fail("rkt-isolation: %s:%d: unsupported spec version \"%s\"", path, line, f[1]);
      version = 1;
    } else if (n == 2 && !strcmp(f[0], "stop-timeout")) {
      char *end;
      errno = 0;
      double v = strtod(f[1], &end);
      if (errno || *end || !*f[1] || v < 0 || v > 86400)
        fail("rkt-isolation: %s:%d: stop-timeout: \"%s\" is not a number of seconds", path, line,
             f[1]);
      p->stop_timeout_ms = (long long)(v * 1000);
    } else if (n == 2 && !strcmp(f[0], "ready-file")) {
      p->ready_file = f[1];
    } else if (n == 2 && !strcmp(f[0], "control-socket") && f[1][0] == '/') {
      p->control_socket = f[1];
    } else if (n == 3 && !strcmp(f[0], "app")) {
      if (!*f[1] || f[2][0] != '/')
        fail("rkt-isolation: %s:%d: app takes a name and an absolute spec path", path, line);
      for (size_t i = 0; i < p->napps; i++)
        if (!strcmp(p->apps[i].name, f[1]))
          fail("rkt-isolation: %s:%d: app %s is given twice", path, line, f[1]);
      p->apps = xrealloc(p->apps, (p->napps + 1) * sizeof *p->apps);
      struct app *a = &p->apps[p->napps++];
      memset(a, 0, sizeof *a);
      a->name = f[1];
      a->s.path = f[2]; /* loaded later */
    } else {
      fail("rkt-isolation: %s:%d: unknown directive or wrong number of fields: %s", path, line,
           f[0]);
    }
  }
  if (!version)
    fail("rkt-isolation: %s: missing \"version 1\" directive", path);
  if (p->napps == 0)
    fail("rkt-isolation: %s: a pod needs at least one app", path);
}

static int same_seccomp(const struct seccomp_spec *a, const struct seccomp_spec *b) {
  if (a->retain != b->retain || a->err != b->err || a->nnames != b->nnames)
    return 0;
  if ((a->file == NULL) != (b->file == NULL) || (a->file && strcmp(a->file, b->file)))
    return 0;
  for (size_t i = 0; i < a->nnames; i++)
    if (strcmp(a->names[i], b->names[i]))
      return 0;
  return 1;
}

/* Loads every app spec and compiles each distinct seccomp filter once. */
static void apps_load(struct pod *p) {
  for (size_t i = 0; i < p->napps; i++) {
    struct app *a = &p->apps[i];
    spec_load(a->s.path, SPEC_APP, &a->s);
    if (!a->s.seccomp)
      continue;
    for (size_t j = 0; j < i && !a->filter; j++)
      if (p->apps[j].s.seccomp && same_seccomp(p->apps[j].s.seccomp, a->s.seccomp))
        a->filter = p->apps[j].filter;
    if (!a->filter)
      a->filter = seccomp_compile(a->s.seccomp);
  }
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Forks the app's process, or one of its event handlers. */
static pid_t spawn(struct app *a, char **handler) {
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "stage1: starting %s: fork: %s\n", a->name, strerror(errno));
    return -1;
  }
  if (pid == 0) {
    pod_child_reset();
    struct app_exec x = pod_app_exec(a, handler ? ROLE_HANDLER : ROLE_APP);
    if (handler) {
      x.path = handler[0];
      x.argv = handler + 1;
    }
    app_exec(&x, self);
  }
  return pid;
}

static void record_status(struct app *a, int code) {
  if (a->s.status_file && write_number(a->s.status_file, code) != 0)
    fprintf(stderr, "stage1: writing %s: %s\n", a->s.status_file, strerror(errno));
}

/* After the app (or its failed pre-start handler) ended: post-stop, or done. */
static void after_app(struct app *a) {
  a->pid = 0;
  a->state = A_DONE;
  if (a->s.post_stop) {
    pid_t pid = spawn(a, a->s.post_stop);
    if (pid > 0) {
      a->pid = pid;
      a->state = A_POSTSTOP;
    }
  }
}

/* Starts the app, or its pre-start handler first. Returns the failure code, or 0. */
static int start(struct app *a) {
  char **h = a->state == A_PENDING ? a->s.pre_start : NULL;
  pid_t pid = spawn(a, h);
  if (pid < 0) {
    record_status(a, EXIT_RKT);
    after_app(a);
    return EXIT_RKT;
  }
  a->pid = pid;
  a->state = h ? A_PRESTART : A_RUNNING;
  return 0;
}

static void signal_app(const struct app *a, int sig) {
  if (a->pid <= 0)
    return;
  /* The app's process group (it is a session leader), which includes the app itself; the app
   * alone only when it left its group. Signalling both would deliver the signal twice. */
  if (getpgid(a->pid) == a->pid)
    kill(-a->pid, sig);
  else
    kill(a->pid, sig);
}

/* The apps' state machine, for a process the init reaped. Returns the pod's failure code
 * (the first), or 0. */
static int reaped(struct app *a, int code, int stopping) {
  int fail_code = 0;
  switch (a->state) {
  case A_PRESTART:
    if (code == 0 && !stopping) {
      if (start(a))
        fail_code = EXIT_RKT;
      break;
    }
    if (code != 0) { /* the app fails with its handler's code */
      record_status(a, code);
      fail_code = code;
    }
    after_app(a);
    break;
  case A_RUNNING:
    record_status(a, code);
    fail_code = code;
    after_app(a);
    break;
  default: /* A_POSTSTOP: its code does not matter */
    a->pid = 0;
    a->state = A_DONE;
    break;
  }
  return fail_code;
}

int cmd_init(const char *spec_path, int ctl_fd) {
  struct pod *p = &the_pod;
  pod_load(spec_path, p);
  orig_umask = umask(0);
  self = getpid();
  if (self != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    fail_errno("stage1: becoming a subreaper");
  /* The pod dies with the process that started this init (systemd-nspawn, which holds the pod
   * lock): were it SIGKILLed, the pod would read as exited while its apps ran on. As PID 1 of
   * a PID namespace, our death takes every app with it. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    fail_errno("stage1: setting the parent-death signal");
  /* Not dumpable: no process of the pod may open our /proc files (exe, root, fds, memory),
   * whatever capabilities it has short of CAP_SYS_PTRACE. */
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    fail_errno("stage1: making the init non-dumpable");

  sigset_t set;
  sigemptyset(&set);
  int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPWR, SIGRTMIN + 3, SIGRTMIN + 4};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&set, sigs[i]);
  sigprocmask(SIG_BLOCK, &set, &orig_mask);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    fail_errno("stage1: signalfd");
  signal(SIGPIPE, SIG_IGN); /* a client gone: EPIPE on its socket, not our death */

  /* As PID 1 of a container: our mounts stay ours (the host's still propagate in). */
  if (self == 1 && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0)
    fail_errno("stage1: making / a recursive slave mount");

  apps_load(p);
  for (size_t i = 0; i < p->napps; i++)
    p->apps[i].mntns = app_mount_ns(&p->apps[i].s);

  int exit_code = 0, stopping = 0;
  long long deadline = -1;
  for (size_t i = 0; i < p->napps && !stopping; i++) {
    int r = start(&p->apps[i]);
    if (r && !exit_code) {
      exit_code = r;
      stopping = 1;
    }
  }
  /* The pod may run for long: give back what parsing and compiling used. */
  malloc_trim(0);
  if (!stopping) {
    ctl_serve(p->control_socket, ctl_fd);
    if (p->ready_file) {
      unlink(p->ready_file);
      if (symlink("ready", p->ready_file) != 0)
        fprintf(stderr, "stage1: writing %s: %s\n", p->ready_file, strerror(errno));
    }
  }

  for (;;) {
    /* Reap everything: apps, handlers, enter sessions and orphans of the pod. */
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      /* As rkt (systemd) recorded: an app that the pod's stop ended with SIGTERM stopped fine. */
      if (stopping && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
        code = 0;
      struct app *a = NULL;
      for (size_t i = 0; i < p->napps && !a; i++)
        if (p->apps[i].pid == pid && p->apps[i].state != A_DONE)
          a = &p->apps[i];
      if (!a) {
        ctl_reaped(pid, code); /* a session's, or an orphan */
        continue;
      }
      int r = reaped(a, code, stopping);
      if (r && !stopping) {
        exit_code = r;
        stopping = 1;
      }
    }
    size_t alive = 0;
    for (size_t i = 0; i < p->napps; i++)
      alive += p->apps[i].state != A_DONE;
    if (alive == 0)
      break;

    if (stopping && deadline < 0) {
      ctl_stopping();
      deadline = now_ms() + p->stop_timeout_ms;
      for (size_t i = p->napps; i-- > 0;)
        if (p->apps[i].state == A_RUNNING || p->apps[i].state == A_PRESTART)
          signal_app(&p->apps[i], SIGTERM);
      ctl_signal_sessions(SIGTERM);
    }
    int timeout = -1;
    if (deadline >= 0) {
      long long left = deadline - now_ms();
      if (left <= 0) {
        for (size_t i = 0; i < p->napps; i++)
          signal_app(&p->apps[i], SIGKILL);
        ctl_signal_sessions(SIGKILL);
        left = 1000; /* they die at once; look again shortly */
        deadline = now_ms() + left;
      }
      timeout = (int)left;
    }
    struct pollfd pf[1 + CTL_MAX_POLL];
    pf[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
    int n = 1 + ctl_pollfds(pf + 1, CTL_MAX_POLL);
    if (poll(pf, (nfds_t)n, timeout) < 0 && errno != EINTR)
      fail_errno("stage1: poll");
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == sizeof si)
      if (si.ssi_signo != SIGCHLD && !stopping)
        stopping = 1; /* a stop request: the apps it ends are not failures */
    ctl_events(pf + 1, n - 1);
  }
  ctl_finish();
  return exit_code;
}
