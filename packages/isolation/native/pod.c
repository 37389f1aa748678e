/* "pod": the host side of a pod, then exec in place.
 *
 * The pod's long-lived process (the PID rkt was started with) attaches the device policy to
 * the pod's cgroup2 cgroup (devpolicy.c), joins the pod's cgroups,
 * makes its own mount namespace, mounts what the pod needs (the apps' root filesystems,
 * their volumes, ...), writes its pid to the ppid file and execs the container runtime
 * (systemd-nspawn) without a chroot, keeping the pod lock fd open: the runtime inherits it
 * and holds it for the pod's whole life. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int cmd_pod(const char *spec_path) {
  struct spec s;
  spec_load(spec_path, SPEC_POD, &s);
  mode_t old_umask = umask(0);
  if (s.dev_cgroup)
    dev_policy_attach(s.dev_cgroup, s.dev_rules, s.ndev_rules);
  for (size_t i = 0; i < s.ncgroups; i++)
    cgroup_join(s.cgroups[i]);
  if (s.mount_ns)
    mounts_unshare();
  for (size_t i = 0; i < s.nops; i++)
    mounts_apply(s.root, &s.ops[i]);
  if (s.lock_fd >= 0 && fcntl(s.lock_fd, F_SETFD, 0) != 0)
    fail_errno("stage1: lock fd %d", s.lock_fd);
  if (chdir(s.cwd) != 0)
    fail_errno("stage1: cannot change to the working directory %s", s.cwd);
  if (s.ppid_file && write_number(s.ppid_file, (long)getpid()) != 0)
    fail_errno("stage1: writing %s", s.ppid_file);
  umask(old_umask);
  execve(s.exec_path, s.argv, s.env);
  fail_errno("stage1: cannot execute %s", s.exec_path);
}
