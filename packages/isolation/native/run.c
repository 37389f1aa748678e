/* "run" and "enter": set up the app's namespaces and mounts, then start it.
 *
 * When something has to outlive the exec (a pid-file or status-file to write, the pod lock
 * to hold, a joined pid namespace), the helper forks: the child becomes the app and the
 * parent stays as its supervisor, the pod's long-lived process. Otherwise the helper execs
 * the app in its own place. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const int fwd_sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define NFWD (int)(sizeof fwd_sigs / sizeof fwd_sigs[0])
static volatile pid_t app_pid;

NORETURN static void exec_failed(const char *file) {
  fprintf(stderr, "Error: Unable to open \"%s\": %s\n", file, strerror(errno));
  _exit(EXIT_EXEC);
}

/* execve, searching the app's PATH (not ours) when file has no slash, as execvp does. */
NORETURN static void exec_search(const char *file, char **argv, char **env) {
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

/* In the app's process: chroot, credentials, cwd, then exec. expect_ppid > 0 (or 0 inside a
 * joined pid namespace, where the supervisor is invisible) arms PR_SET_PDEATHSIG so that the
 * app dies with its supervisor; -1 when there is no supervisor. */
NORETURN static void exec_app(const struct spec *s, mode_t old_umask, pid_t expect_ppid) {
  if (s->stdin_null) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || dup2(fd, 0) < 0)
      fail_errno("stage1: opening /dev/null as stdin");
    if (fd != 0)
      close(fd);
  }
  if (chdir(s->root) != 0)
    fail_errno("stage1: chdir %s", s->root);
  if (chroot(".") != 0)
    fail_errno("stage1: chroot %s", s->root);
  if (chdir("/") != 0)
    fail_errno("stage1: chdir / in %s", s->root);
  creds_apply(s);
  if (chdir(s->cwd) != 0)
    fail_errno("stage1: cannot change to the working directory %s", s->cwd);
  if (expect_ppid >= 0) {
    /* After the credential change: changing the euid resets the parent-death signal. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != expect_ppid)
      _exit(EXIT_RKT);
  }
  if (s->lock_fd >= 0)
    close(s->lock_fd);
  umask(old_umask);
  exec_search(s->exec_path, s->argv, s->env);
}

static int write_number(const char *path, long v) {
  char b[32];
  snprintf(b, sizeof b, "%ld\n", v);
  return write_file_atomic(path, b);
}

int cmd_run(const char *spec_path, int enter, int remove_spec) {
  struct spec s;
  spec_load(spec_path, enter, &s);
  if (remove_spec)
    unlink(spec_path);
  mode_t old_umask = umask(0);

  int pidns = ns_join_all(&s);
  if (s.mount_ns)
    mounts_unshare();
  for (size_t i = 0; i < s.nops; i++) /* an overlay may create the root */
    mounts_apply(s.root, &s.ops[i]);
  struct stat sb;
  if (stat(s.root, &sb) != 0)
    fail_errno("stage1: root directory %s", s.root);
  if (!S_ISDIR(sb.st_mode))
    fail("stage1: root %s is not a directory", s.root);
  if (s.lock_fd >= 0 && fcntl(s.lock_fd, F_SETFD, FD_CLOEXEC) != 0)
    fail_errno("stage1: lock fd %d", s.lock_fd);

  if (!s.pid_file && !s.status_file && s.lock_fd < 0 && !pidns) {
    if (s.pgid_file && write_number(s.pgid_file, (long)getpgrp()) != 0)
      fail_errno("stage1: writing %s", s.pgid_file);
    exec_app(&s, old_umask, -1);
  }

  sigset_t block, orig;
  sigemptyset(&block);
  for (int i = 0; i < NFWD; i++)
    sigaddset(&block, fwd_sigs[i]);
  sigprocmask(SIG_BLOCK, &block, &orig);
  pid_t self = getpid();
  pid_t pid = fork();
  if (pid < 0)
    fail_errno("stage1: fork");
  if (pid == 0) {
    sigprocmask(SIG_SETMASK, &orig, NULL);
    exec_app(&s, old_umask, pidns ? 0 : self);
  }
  app_pid = pid;
  sig_forward_install(fwd_sigs, NFWD, &app_pid);
  sigprocmask(SIG_SETMASK, &orig, NULL);

  /* A pod whose pid cannot be recorded cannot be managed: stop it. */
  int broken = 0;
  if (s.pid_file && write_number(s.pid_file, (long)pid) != 0) {
    fprintf(stderr, "stage1: writing %s: %s\n", s.pid_file, strerror(errno));
    broken = 1;
  }
  if (s.pgid_file) {
    pid_t pg = getpgid(pid);
    if (write_number(s.pgid_file, (long)(pg > 0 ? pg : getpgrp())) != 0) {
      fprintf(stderr, "stage1: writing %s: %s\n", s.pgid_file, strerror(errno));
      broken = 1;
    }
  }
  if (broken)
    kill(pid, SIGKILL);

  /* Wait without reaping first, so a forwarded signal can never reach a recycled pid. */
  siginfo_t si;
  for (;;) {
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0)
      break;
    if (errno != EINTR)
      fail_errno("stage1: waiting for the app");
  }
  app_pid = 0;
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (broken)
    code = EXIT_RKT;
  if (s.status_file && write_number(s.status_file, code) != 0)
    fprintf(stderr, "stage1: writing %s: %s\n", s.status_file, strerror(errno));
  return code;
}
