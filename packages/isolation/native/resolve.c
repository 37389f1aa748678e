/* Safe resolution of a path inside a root directory.
 *
 * The path is walked one component at a time with openat(O_PATH|O_NOFOLLOW) from the root.
 * A symlink met on the way is read and its target spliced in front of the rest of the path:
 * an absolute target restarts from the root, a relative one from the current directory, and
 * ".." never goes above the root (the walk keeps the stack of directories it went through and
 * pops it, it never opens ".."). So the result is inside the root whatever the symlinks say,
 * as if the process were chrooted. At most 40 symlinks are followed (ELOOP).
 * Missing directories on the way are created with mode 0755 (with RESOLVE_OPTIONAL nothing
 * is created: a missing component makes the walk return -1 with errno ENOENT). The caller gets an O_PATH fd
 * and mounts through /proc/self/fd/<n> (or move_mount), so a symlink swapped in later
 * cannot redirect the mount.
 *
 * Where the kernel has openat2 (5.6), the fd returned always comes from
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), the walk only creating what is missing
 * first: the kernel resolves the same way, and also refuses a ".." that a concurrent rename
 * would carry out of the root (CVE-2019-19921: a process that shares a volume with the
 * pod moving a directory while a mount target below it is resolved). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#define MAX_SYMLINKS 40

struct dstack {
  int *fd;
  size_t n, cap;
};

static void push(struct dstack *s, int fd) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    s->fd = xrealloc(s->fd, s->cap * sizeof(int));
  }
  s->fd[s->n++] = fd;
}

static void pop(struct dstack *s) {
  if (s->n > 1)
    close(s->fd[--s->n]);
}

static int only_slashes(const char *s) {
  while (*s == '/')
    s++;
  return *s == 0;
}

/* Walks path inside rootfd. With last != NULL the final component is not opened: the
 * parent's fd is returned and *last receives the final name. */
static int walk(int rootfd, const char *path, int create, mode_t mode, char **last) {
  struct dstack st = {0};
  int links = 0, retries = 0;
  char *todo = xstrdup(path);
  size_t pos = 0;
  char name[NAME_MAX + 1];

  int r = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
  if (r < 0)
    fail_errno("stage1: resolving %s", path);
  push(&st, r);

  for (;;) {
    char *p = todo + pos;
    while (*p == '/')
      p++;
    if (!*p)
      break;
    size_t clen = strcspn(p, "/");
    if (clen > NAME_MAX) {
      errno = ENAMETOOLONG;
      fail_errno("stage1: resolving %s", path);
    }
    memcpy(name, p, clen);
    name[clen] = 0;
    char *rest = p + clen;
    int is_last = only_slashes(rest);

    if (is_last && last) {
      if (!strcmp(name, ".") || !strcmp(name, ".."))
        fail("stage1: resolving %s: the last component must be a name", path);
      *last = xstrdup(name);
      break;
    }
    if (!strcmp(name, ".")) {
      pos = (size_t)(rest - todo);
      continue;
    }
    if (!strcmp(name, "..")) {
      pop(&st);
      pos = (size_t)(rest - todo);
      continue;
    }

    int cur = st.fd[st.n - 1];
    int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && (create & RESOLVE_OPTIONAL)) {
      for (size_t i = 0; i < st.n; i++)
        close(st.fd[i]);
      free(st.fd);
      free(todo);
      errno = ENOENT;
      return -1;
    }
    if (fd < 0 && errno == ENOENT && (create || !is_last)) {
      if (++retries > 10)
        fail_errno("stage1: resolving %s", path);
      int c;
      if (!is_last || create == RESOLVE_CREATE_DIR) {
        c = mkdirat(cur, name, is_last ? mode : 0755);
      } else {
        c = openat(cur, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (c >= 0)
          c = close(c);
      }
      if (c != 0 && errno != EEXIST)
        fail_errno("stage1: creating %s (component %s)", path, name);
      continue; /* open it again; something else may have won the race */
    }
    if (fd < 0)
      fail_errno("stage1: resolving %s (component %s)", path, name);

    struct stat sb;
    if (fstat(fd, &sb) != 0)
      fail_errno("stage1: resolving %s", path);
    if (S_ISLNK(sb.st_mode)) {
      char target[PATH_MAX + 1];
      if (++links > MAX_SYMLINKS) {
        errno = ELOOP;
        fail_errno("stage1: resolving %s", path);
      }
      ssize_t tl = readlinkat(fd, "", target, PATH_MAX);
      close(fd);
      if (tl < 0)
        fail_errno("stage1: reading symlink %s in %s", name, path);
      if (tl == 0) {
        errno = ENOENT;
        fail_errno("stage1: resolving %s (empty symlink %s)", path, name);
      }
      target[tl] = 0;
      if (target[0] == '/')
        while (st.n > 1)
          pop(&st);
      char *n = xasprintf("%s/%s", target, rest);
      free(todo);
      todo = n;
      pos = 0;
      continue;
    }
    if (!is_last && !S_ISDIR(sb.st_mode)) {
      close(fd);
      errno = ENOTDIR;
      fail_errno("stage1: resolving %s (component %s)", path, name);
    }
    push(&st, fd);
    retries = 0;
    pos = (size_t)(rest - todo);
  }

  if (last && !*last)
    fail("stage1: resolving %s: the path has no last component", path);
  int result = st.fd[st.n - 1];
  for (size_t i = 0; i + 1 < st.n; i++)
    close(st.fd[i]);
  free(st.fd);
  free(todo);
  return result;
}

/* openat2 in the root: fd, or -1 with errno (ENOSYS: not in this kernel). Retried on EAGAIN,
 * which the kernel returns when a rename raced with the lookup. */
static int in_root(int rootfd, const char *path) {
  static int missing;
  if (missing) {
    errno = ENOSYS;
    return -1;
  }
  struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  for (int i = 0; i < 100; i++) {
    int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN)
      return fd;
  }
  if (errno == ENOSYS)
    missing = 1;
  return -1;
}

int root_resolve(int rootfd, const char *path, int create, mode_t mode) {
  int fd = in_root(rootfd, path);
  if (fd >= 0 || errno == ENOSYS)
    return fd >= 0 ? fd : walk(rootfd, path, create, mode, NULL);
  if (errno == ENOENT && (create & RESOLVE_OPTIONAL))
    return -1;
  if (errno != ENOENT || !create)
    return walk(rootfd, path, create, mode, NULL); /* it says what is wrong */
  /* Something is missing: the walk makes it, the kernel resolves the result. */
  close(walk(rootfd, path, create, mode, NULL));
  fd = in_root(rootfd, path);
  if (fd < 0)
    fail_errno("stage1: resolving %s", path);
  return fd;
}

int root_resolve_parent(int rootfd, const char *path, char **last) {
  *last = NULL;
  int dfd = walk(rootfd, path, 0, 0, last);
  char *dir = xstrdup(path);
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    dir[--n] = 0;
  char *slash = strrchr(dir, '/');
  if (!slash || slash == dir)
    strcpy(dir, "/");
  else
    *slash = 0;
  int fd = in_root(rootfd, dir);
  free(dir);
  if (fd < 0) {
    if (errno != ENOSYS)
      fail_errno("stage1: resolving the parent of %s", path);
    return dfd;
  }
  close(dfd);
  return fd;
}
