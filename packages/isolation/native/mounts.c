/* The mount namespace and the mount directives of a spec. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

void mounts_unshare(void) {
  if (unshare(CLONE_NEWNS) != 0)
    fail_errno("stage1: unshare(CLONE_NEWNS)");
  /* Our mounts never propagate to the host; host mounts still propagate in. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0)
    fail_errno("stage1: making / a recursive slave mount");
}

static int open_root(const char *root) {
  int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    fail_errno("stage1: cannot open root directory %s", root);
  return fd;
}

static const char *fdpath(char *buf, size_t n, int fd) {
  snprintf(buf, n, "/proc/self/fd/%d", fd);
  return buf;
}

/* Resolves dest inside the root, creating it as a directory or an empty file, and checks
 * that an existing entry has the wanted type. */
static int target(int rootfd, const char *dest, int want_dir) {
  int fd = root_resolve(rootfd, dest, want_dir ? RESOLVE_CREATE_DIR : RESOLVE_CREATE_FILE,
                        want_dir ? 0755 : 0644);
  struct stat sb;
  if (fstat(fd, &sb) != 0)
    fail_errno("stage1: stat %s", dest);
  if (want_dir && !S_ISDIR(sb.st_mode))
    fail("stage1: mount target %s is a file but the source is a directory", dest);
  if (!want_dir && S_ISDIR(sb.st_mode))
    fail("stage1: mount target %s is a directory but the source is a file", dest);
  return fd;
}

static unsigned long kept_flags(const char *path) {
  struct statvfs v;
  unsigned long f = 0;
  if (statvfs(path, &v) != 0)
    return 0;
  if (v.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (v.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (v.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (v.f_flag & ST_NOATIME)
    f |= MS_NOATIME;
  if (v.f_flag & ST_NODIRATIME)
    f |= MS_NODIRATIME;
  if (v.f_flag & ST_RELATIME)
    f |= MS_RELATIME;
  return f;
}

static int remount_ro(const char *path) {
  return mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags(path), NULL);
}

#define RO_TOP 1 /* only the top mount of the clone is read-only */
#define RO_ALL 2 /* every mount of the clone */

/* open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_RDONLY) + move_mount: the clone is
 * read-only (RO_TOP or RO_ALL) before it becomes visible. The source is srcpath relative to
 * srcdfd (an empty path: srcdfd itself); rec clones the submounts too. Returns -1 with errno
 * ENOSYS when the kernel lacks the new mount API (before 5.12). */
static int clone_onto(int srcdfd, const char *srcpath, int tfd, int rec, int ro) {
  if (getenv("RKT_ISOLATION_LEGACY_MOUNT")) {
    errno = ENOSYS;
    return -1;
  }
  int tree = (int)syscall(SYS_open_tree, srcdfd, srcpath,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0) |
                              (*srcpath ? 0 : AT_EMPTY_PATH));
  if (tree < 0)
    return -1;
  if (ro) {
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (ro == RO_ALL ? AT_RECURSIVE : 0),
                &attr, sizeof attr) != 0) {
      int e = errno;
      close(tree);
      errno = e;
      return -1;
    }
  }
  int r = (int)syscall(SYS_move_mount, tree, "", tfd, "",
                       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  int e = errno;
  close(tree);
  errno = e;
  return r;
}

/* Fallback for old kernels: remount the new mount read-only, then every submount found
 * below it in /proc/self/mountinfo. */
static void legacy_ro(int rootfd, const char *dest, int rec) {
  char p[64], abs[4096];
  int fd = root_resolve(rootfd, dest, 0, 0); /* crosses into the new mount */
  if (remount_ro(fdpath(p, sizeof p, fd)) != 0)
    fail_errno("stage1: remounting %s read-only", dest);
  if (rec) {
    ssize_t n = readlink(p, abs, sizeof abs - 1);
    if (n < 0)
      fail_errno("stage1: readlink %s", p);
    abs[n] = 0;
    struct mount_entry *m;
    size_t cnt;
    if (mountinfo_read(&m, &cnt) != 0)
      fail_errno("stage1: reading /proc/self/mountinfo");
    for (size_t i = 0; i < cnt; i++)
      if (strcmp(m[i].mountpoint, abs) != 0 && path_at_or_below(m[i].mountpoint, abs) &&
          remount_ro(m[i].mountpoint) != 0)
        fail_errno("stage1: remounting %s read-only", m[i].mountpoint);
    mountinfo_free(m, cnt);
  }
  close(fd);
}

/* Binds src (a path in our mount namespace) onto the resolved target tfd. */
static void bind_to(const char *src, int rootfd, int tfd, const char *dest, int rec, int ro) {
  if (clone_onto(AT_FDCWD, src, tfd, rec, ro ? (rec ? RO_ALL : RO_TOP) : 0) != 0) {
    if (errno != ENOSYS)
      fail_errno("stage1: bind mount %s on %s", src, dest);
    char p[64];
    if (mount(src, fdpath(p, sizeof p, tfd), NULL, MS_BIND | (rec ? MS_REC : 0), NULL) != 0)
      fail_errno("stage1: bind mount %s on %s", src, dest);
    if (ro)
      legacy_ro(rootfd, dest, rec);
  }
}

static void op_bind(const char *root, const struct fs_op *op) {
  const char *src = op->args[0], *dest = op->args[1];
  int rec = (op->flags & BIND_REC) != 0, ro = (op->flags & BIND_RO) != 0;
  struct stat sb;
  if (stat(src, &sb) != 0) {
    if (errno == ENOENT && (op->flags & BIND_OPTIONAL))
      return;
    fail_errno("stage1: Failed to stat %s", src);
  }
  int rootfd = open_root(root);
  int tfd = target(rootfd, dest, S_ISDIR(sb.st_mode));
  bind_to(src, rootfd, tfd, dest, rec, ro);
  close(tfd);
  close(rootfd);
}

/* Hides dest (when it exists) under an empty, inaccessible node of the same type: the
 * directory or the file given (both mode 0000), bound read-only. rkt's masked paths. */
static void op_mask(const char *root, const struct fs_op *op) {
  const char *dest = op->args[0];
  int rootfd = open_root(root);
  int tfd = root_resolve(rootfd, dest, RESOLVE_OPTIONAL, 0);
  if (tfd >= 0) {
    struct stat sb;
    if (fstat(tfd, &sb) != 0)
      fail_errno("stage1: stat %s", dest);
    bind_to(S_ISDIR(sb.st_mode) ? op->args[1] : op->args[2], rootfd, tfd, dest, 0, 1);
    close(tfd);
  }
  close(rootfd);
}

/* Makes dest (when it exists) read-only, with everything mounted below it: a read-only
 * recursive bind of it onto itself. */
static void op_readonly(const char *root, const struct fs_op *op) {
  const char *dest = op->args[0];
  int rootfd = open_root(root);
  int tfd = root_resolve(rootfd, dest, RESOLVE_OPTIONAL, 0);
  if (tfd >= 0) {
    if (clone_onto(tfd, "", tfd, 1, RO_ALL) != 0) {
      if (errno != ENOSYS)
        fail_errno("stage1: making %s read-only", dest);
      char p[64];
      if (mount(fdpath(p, sizeof p, tfd), fdpath(p, sizeof p, tfd), NULL, MS_BIND | MS_REC,
                NULL) != 0)
        fail_errno("stage1: making %s read-only", dest);
      legacy_ro(rootfd, dest, 1);
    }
    close(tfd);
  }
  close(rootfd);
}

/* readOnlyRootFS: a copy of the root's mount tree stacked on it, with only its top mount
 * read-only, so that the volumes and API filesystems below stay as they are. */
void mounts_readonly_root(const char *root) {
  int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    fail_errno("stage1: cannot open root directory %s", root);
  if (clone_onto(fd, "", fd, 1, RO_TOP) != 0) {
    if (errno != ENOSYS)
      fail_errno("stage1: making the root %s read-only", root);
    if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) != 0 || remount_ro(root) != 0)
      fail_errno("stage1: making the root %s read-only", root);
  }
  close(fd);
}

/* Generic flags written in the data of tmpfs (ro, nosuid, ...) become mount flags. */
static unsigned long split_flags(const char *data, char *rest) {
  static const struct {
    const char *name;
    unsigned long flag;
  } known[] = {{"ro", MS_RDONLY},         {"nosuid", MS_NOSUID},     {"nodev", MS_NODEV},
               {"noexec", MS_NOEXEC},     {"noatime", MS_NOATIME},   {"nodiratime", MS_NODIRATIME},
               {"relatime", MS_RELATIME}, {"strictatime", MS_STRICTATIME}};
  unsigned long flags = 0;
  char *copy = xstrdup(data), *save = NULL;
  rest[0] = 0;
  for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    size_t i;
    for (i = 0; i < sizeof known / sizeof known[0]; i++)
      if (!strcmp(o, known[i].name))
        break;
    if (i < sizeof known / sizeof known[0]) {
      flags |= known[i].flag;
      continue;
    }
    if (rest[0])
      strcat(rest, ",");
    strcat(rest, o);
  }
  free(copy);
  return flags;
}

static void op_fs(const char *root, const struct fs_op *op, const char *type) {
  const char *dest = op->args[0];
  const char *data = op->nargs > 1 ? op->args[1] : "";
  char *rest = xmalloc(strlen(data) + 1);
  unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (op->kind == FSOP_TMPFS)
    flags = split_flags(data, rest);
  else
    rest[0] = 0;
  int rootfd = open_root(root);
  int tfd = target(rootfd, dest, 1);
  char p[64];
  if (mount(type, fdpath(p, sizeof p, tfd), type, flags, rest[0] ? rest : NULL) != 0)
    fail_errno("stage1: mounting %s on %s", type, dest);
  free(rest);
  close(tfd);
  close(rootfd);
}

static void op_mkdir(const char *root, const struct fs_op *op) {
  int rootfd = open_root(root);
  int fd = root_resolve(rootfd, op->args[0], RESOLVE_CREATE_DIR, op->mode);
  struct stat sb;
  if (fstat(fd, &sb) != 0)
    fail_errno("stage1: stat %s", op->args[0]);
  if (!S_ISDIR(sb.st_mode))
    fail("stage1: mkdir %s: it exists and is not a directory", op->args[0]);
  close(fd);
  close(rootfd);
}

static void op_symlink(const char *root, const struct fs_op *op) {
  char *name;
  int rootfd = open_root(root);
  int dfd = root_resolve_parent(rootfd, op->args[1], &name);
  if (symlinkat(op->args[0], dfd, name) != 0 && errno != EEXIST)
    fail_errno("stage1: symlink %s -> %s", op->args[1], op->args[0]);
  free(name);
  close(dfd);
  close(rootfd);
}

/* overlayfs splits its options on ',' and lowerdir on ':'; a backslash escapes them. */
static void add_escaped(struct buf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == ':' || *s == ',')
      buf_add(b, "\\", 1);
    buf_add(b, s, 1);
  }
}

static void op_overlay(const struct fs_op *op) {
  const char *tgt = op->args[0], *upper = op->args[1], *work = op->args[2];
  int has_upper = strcmp(upper, "-") != 0;
  if (has_upper && mkdir_p(upper, 0755) != 0)
    fail_errno("stage1: creating overlay upper directory %s", upper);
  if (has_upper && mkdir_p(work, 0755) != 0)
    fail_errno("stage1: creating overlay work directory %s", work);
  if (mkdir_p(tgt, 0755) != 0)
    fail_errno("stage1: creating overlay mount point %s", tgt);
  struct buf b = {0};
  buf_adds(&b, "lowerdir=");
  for (int i = 3; i < op->nargs; i++) {
    if (i > 3)
      buf_add(&b, ":", 1);
    add_escaped(&b, op->args[i]);
  }
  if (has_upper) {
    buf_adds(&b, ",upperdir=");
    add_escaped(&b, upper);
    buf_adds(&b, ",workdir=");
    add_escaped(&b, work);
  }
  if (b.len > 4095)
    fail("stage1: mounting overlay on %s: the options are %zu bytes long, the kernel takes 4095",
         tgt, b.len);
  if (mount("overlay", tgt, "overlay", 0, b.p) != 0)
    fail_errno("stage1: mounting overlay on %s (%s)", tgt, b.p);
  free(b.p);
}

void mounts_apply(const char *root, const struct fs_op *op) {
  if (op->base)
    root = op->base;
  switch (op->kind) {
  case FSOP_OVERLAY:
    op_overlay(op);
    break;
  case FSOP_BIND:
    op_bind(root, op);
    break;
  case FSOP_TMPFS:
    op_fs(root, op, "tmpfs");
    break;
  case FSOP_PROC:
    op_fs(root, op, "proc");
    break;
  case FSOP_MKDIR:
    op_mkdir(root, op);
    break;
  case FSOP_SYMLINK:
    op_symlink(root, op);
    break;
  case FSOP_MASK:
    op_mask(root, op);
    break;
  case FSOP_READONLY:
    op_readonly(root, op);
    break;
  }
}
