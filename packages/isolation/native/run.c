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

static const int fwd_sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define NFWD (int)(sizeof fwd_sigs / sizeof fwd_sigs[0])
static volatile pid_t app_pid;

int write_number(const char *path, long v) {
  char b[32];
  snprintf(b, sizeof b, "%ld\n", v);
  return write_file_atomic(path, b);
}

int cmd_run(const char *spec_path, int enter, int remove_spec) {
  struct spec s;
  spec_load(spec_path, enter ? SPEC_ENTER : SPEC_RUN, &s);
  if (remove_spec)
    unlink(spec_path);
  mode_t old_umask = umask(0);
  struct app_exec a = {.s = &s, .umask = old_umask, .mntns = -1, .role = ROLE_APP};
  if (s.seccomp)
    a.filter = seccomp_compile(s.seccomp);

  /* The cgroups first: their paths are the host's, and children inherit them. */
  for (size_t i = 0; i < s.ncgroups; i++)
    cgroup_join(s.cgroups[i]);
  s.ncgroups = 0;
  int pidns = ns_join_all(&s);
  if (s.mount_ns)
    mounts_unshare();
  for (size_t i = 0; i < s.nops; i++) /* an overlay may create the root */
    mounts_apply(s.root, &s.ops[i]);
  if (s.readonly_root)
    mounts_readonly_root(s.root);
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
    app_exec(&a, -1);
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
    app_exec(&a, pidns ? 0 : self);
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
