/* An app's own mount namespace, as runc makes a container's: a copy of the pod init's, in
 * which the app's mounts are made (its API filesystems, masked and read-only paths, a
 * read-only root), then pivot_root into the app's root and the old root unmounted. Nothing
 * of the stage1 root is left in it: no pod spec, no env files, no other app's root, no status
 * files, no helper binary; a second chroot ends at the app's root.
 *
 * A short-lived child makes it and hands the init an fd of the namespace (nsfs, opened while
 * the init's /proc is still its /proc; SCM_RIGHTS), which keeps it alive for the app's
 * handlers (pre-start, post-stop) and every rkt enter session, each of which joins it with
 * setns (app.c). The init's own namespace is never changed. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

NORETURN static void make_ns(const struct spec *s, int ready) {
  if (unshare(CLONE_NEWNS) != 0)
    fail_errno("stage1: the mount namespace of %s: unshare", s->root);
  /* Nothing the app mounts or unmounts reaches the pod; the pod's (and the host's, for
   * recursive volumes) still propagate in. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0)
    fail_errno("stage1: making / a recursive slave mount");
  int nsfd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    fail_errno("stage1: opening the mount namespace of %s", s->root);
  /* pivot_root needs the new root to be a mount point: a recursive bind of the root onto
   * itself (the overlay of an image is one already; a copied root is not). */
  if (mount(s->root, s->root, NULL, MS_BIND | MS_REC, NULL) != 0)
    fail_errno("stage1: binding the root %s onto itself", s->root);
  for (size_t i = 0; i < s->nops; i++)
    mounts_apply(s->root, &s->ops[i]);
  if (s->readonly_root)
    mounts_readonly_root(s->root);
  /* pivot_root(".", "."): the old root ends up stacked on the new one at "/", from where it is
   * detached; no directory in the app's root is needed for it. */
  if (chdir(s->root) != 0)
    fail_errno("stage1: chdir %s", s->root);
  if (syscall(SYS_pivot_root, ".", ".") != 0)
    fail_errno("stage1: pivot_root into %s", s->root);
  if (mount(NULL, ".", NULL, MS_REC | MS_SLAVE, NULL) != 0)
    fail_errno("stage1: making the old root a slave mount");
  if (umount2(".", MNT_DETACH) != 0)
    fail_errno("stage1: unmounting the old root of %s", s->root);
  if (chdir("/") != 0)
    fail_errno("stage1: chdir / in %s", s->root);
  /* The namespace is ready: its fd to the parent. */
  char c = 1;
  if (send_with_fds(ready, &c, 1, &nsfd, 1) != 1)
    fail_errno("stage1: handing over the mount namespace of %s", s->root);
  _exit(0);
}

int app_mount_ns(const struct spec *s) {
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0)
    fail_errno("stage1: socketpair");
  pid_t pid = fork();
  if (pid < 0)
    fail_errno("stage1: fork");
  if (pid == 0) {
    close(sp[0]);
    make_ns(s, sp[1]);
  }
  close(sp[1]);
  char c;
  int fd = -1, nfds = 0;
  if (recv_with_fds(sp[0], &c, 1, &fd, &nfds, 1) != 1 || nfds != 1)
    fd = -1;
  close(sp[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (fd < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    _exit(EXIT_RKT); /* the child said why */
  return fd;
}
