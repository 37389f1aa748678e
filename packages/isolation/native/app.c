/* An app's process, between fork and exec: cgroups, OOM score, stdin, session, its root (the
 * app's mount namespace, or a chroot), capabilities, credentials, working directory, fds,
 * no_new_privs, seccomp, then execve. Shared by "run" (one app), "enter" and "init": every
 * app of a pod, its event handlers and the rkt enter sessions in it, which all get the same
 * confinement (handlers run as root, sessions in /, with their own argv and environment).
 *
 * The order matters: cgroups and /proc/self are reached before the app's root; the bounding
 * set is dropped while we still have CAP_SETPCAP, before the uid changes; the inheritable set
 * is emptied so that root keeps exactly the bounding set across execve; seccomp comes last,
 * so that the filter only has to allow execve. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

NORETURN static void exec_failed(const char *file) {
  int err = errno;
  char interp[PATH_MAX];
  if (err == ENOENT && missing_interpreter(file, interp, sizeof interp))
    file = interp; /* what the image lacks, as rkt said it */
  fprintf(stderr, "Error: Unable to open \"%s\": %s\n", file, strerror(err));
  _exit(EXIT_EXEC);
}

/* execve, searching the app's PATH (not ours) when file has no slash, as execvp does. */
void exec_search(const char *file, char **argv, char **env) {
  if (strchr(file, '/')) {
    execve(file, argv, env);
    exec_failed(file);
  }
  const char *path = DEFAULT_PATH;
  for (char **e = env; *e; e++)
    if (!strncmp(*e, "PATH=", 5))
      path = *e + 5;
  int eacces = 0;
  const char *p = path;
  for (;;) {
    size_t n = strcspn(p, ":");
    char *cand = n ? xasprintf("%.*s/%s", (int)n, p, file) : xasprintf("./%s", file);
    execve(cand, argv, env);
    if (errno == ENOENT && access(cand, F_OK) == 0) {
      errno = ENOENT; /* the program is there: its interpreter is not */
      exec_failed(cand);
    }
    free(cand);
    switch (errno) {
    case EACCES:
      eacces = 1;
      break;
    case ENOENT:
    case ENOTDIR:
    case ESTALE:
    case ENODEV:
    case ETIMEDOUT:
    case ENAMETOOLONG:
      break;
    default:
      exec_failed(file);
    }
    if (!p[n])
      break;
    p += n + 1;
  }
  errno = eacces ? EACCES : ENOENT;
  exec_failed(file);
}

void app_enter_root(const struct spec *s) {
  if (chdir(s->root) != 0)
    fail_errno("stage1: chdir %s", s->root);
  if (chroot(".") != 0)
    fail_errno("stage1: chroot %s", s->root);
  if (chdir("/") != 0)
    fail_errno("stage1: chdir / in %s", s->root);
}

static void set_oom_score_adj(int v) {
  char b[16];
  snprintf(b, sizeof b, "%d", v);
  int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write_all(fd, b, strlen(b)) != 0)
    fail_errno("stage1: setting oom_score_adj to %d", v);
  close(fd);
}

static void stdin_null(void) {
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || dup2(fd, 0) < 0)
    fail_errno("stage1: opening /dev/null as stdin");
  if (fd != 0)
    close(fd);
}

/* Nothing but stdin, stdout and stderr reaches the program: every other fd (ours, and any the
 * process that started us left open) is closed on exec. */
static void cloexec_from_3(void) {
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return;
  struct rlimit rl;
  long max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? (long)rl.rlim_cur : 65536;
  for (long fd = 3; fd < max; fd++)
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

void app_exec(const struct app_exec *a, pid_t expect_ppid) {
  const struct spec *s = a->s;
  /* Before the app's root: the cgroups and /proc/self are paths of ours. */
  for (size_t i = 0; i < s->ncgroups; i++)
    cgroup_join(s->cgroups[i]);
  if (s->has_oom_score_adj)
    set_oom_score_adj(s->oom_score_adj);
  if (s->stdin_null && a->role != ROLE_SESSION)
    stdin_null();
  if (a->new_session) {
    /* Each app of a pod is a session of its own: stopping it signals its process group,
     * and a terminal given to it (--interactive) becomes its controlling terminal. */
    if (setsid() < 0)
      fail_errno("stage1: setsid");
    if (s->tty && a->role == ROLE_APP && isatty(0) && ioctl(0, TIOCSCTTY, 1) != 0)
      fail_errno("stage1: taking the terminal");
  }
  if (a->mntns >= 0) {
    /* The app's own mount namespace: its root is the namespace's, nothing else is in it. */
    if (setns(a->mntns, CLONE_NEWNS) != 0)
      fail_errno("stage1: joining the mount namespace of %s", s->root);
  } else {
    app_enter_root(s);
  }
  if (s->has_caps)
    caps_drop_bounding(s->caps);
  if (a->role == ROLE_HANDLER) {
    /* Event handlers run as root, as rkt ran them (systemd's PermissionsStartOnly), but
     * otherwise confined as the app: its bounding set, no_new_privs and seccomp filter. */
    struct spec root = {.has_uid = 1, .has_gid = 1, .has_groups = 1};
    creds_apply(&root);
  } else {
    creds_apply(s);
  }
  if (s->has_caps)
    caps_clear_inheritable();
  const char *cwd = a->role == ROLE_SESSION ? "/" : s->cwd;
  if (chdir(cwd) != 0)
    fail_errno("stage1: cannot change to the working directory %s", cwd);
  if (expect_ppid >= 0) {
    /* After the credential change: changing the euid resets the parent-death signal. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != expect_ppid)
      _exit(EXIT_RKT);
  }
  if (s->lock_fd >= 0)
    close(s->lock_fd);
  umask(a->umask);
  cloexec_from_3();
  for (size_t i = 0; i < s->nkeep_fds; i++)
    if (fcntl(s->keep_fds[i], F_SETFD, 0) != 0)
      fail_errno("stage1: keeping fd %d", s->keep_fds[i]);
  if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    fail_errno("stage1: setting no_new_privs");
  if (a->filter)
    seccomp_install(a->filter);
  if (a->path)
    exec_search(a->path, a->argv, a->env ? a->env : s->env);
  exec_search(s->exec_path, s->argv, s->env);
}
