/* "fsops": file operations Node.js cannot do, one per line on stdin, one result per line on
 * stdout ("OK", or "ERR\t<errno name>\t<message>"). Fields are percent-encoded and
 * separated by a space or a tab. An operation that fails does not stop the batch; a
 * malformed input (bad percent-encoding, a NUL byte) ends it with exit status 254.
 * The umask is cleared: modes are applied exactly. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common.h"

#define MAX_ROUNDS 10

static struct buf out;

static void result_ok(void) {
  buf_adds(&out, "OK\n");
  write_all(1, out.p, out.len);
  out.len = 0;
}

static void result_err(const char *code, const char *msg) {
  buf_adds(&out, "ERR\t");
  buf_add_encoded(&out, code);
  buf_add(&out, "\t", 1);
  buf_add_encoded(&out, msg);
  buf_add(&out, "\n", 1);
  write_all(1, out.p, out.len);
  out.len = 0;
}

static void result_errno(int e) { result_err(errno_name(e), strerror(e)); }

static void result_sys(int r) {
  if (r == 0)
    result_ok();
  else
    result_errno(errno);
}

static int mode_arg(const char *s, mode_t *m) {
  unsigned long v;
  if (parse_ulong(s, 8, 07777, &v) != 0)
    return -1;
  *m = (mode_t)v;
  return 0;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void op_setxattr(char **f) {
  const char *hex = f[3];
  if (!strcmp(hex, "-"))
    hex = "";
  size_t n = strlen(hex);
  if (n % 2) {
    result_err("EINVAL", "setxattr: the value must be hex digits (or - for empty)");
    return;
  }
  unsigned char *v = xmalloc(n / 2 + 1);
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(v);
      result_err("EINVAL", "setxattr: the value must be hex digits (or - for empty)");
      return;
    }
    v[i] = (unsigned char)(hi * 16 + lo);
  }
  result_sys(lsetxattr(f[1], f[2], v, n / 2, 0));
  free(v);
}

struct victim {
  const char *path;
  int depth;
  size_t index;
};

static int victim_cmp(const void *a, const void *b) {
  const struct victim *x = a, *y = b;
  if (x->depth != y->depth)
    return y->depth - x->depth; /* deepest first */
  return x->index < y->index ? 1 : -1; /* later (upper) mounts first */
}

static void op_umount_tree(const char *path) {
  if (path[0] != '/') {
    result_err("EINVAL", "umount-tree: the path must be absolute");
    return;
  }
  /* Canonical form as in mountinfo: the parent is resolved, the last component is taken
   * literally (a symlink there must not redirect us to another tree). */
  char *copy = xstrdup(path);
  size_t l = strlen(copy);
  while (l > 1 && copy[l - 1] == '/')
    copy[--l] = 0;
  char *slash = strrchr(copy, '/');
  const char *name = slash + 1;
  if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
    free(copy);
    result_err("EINVAL", "umount-tree: refusing /, . and ..");
    return;
  }
  *slash = 0;
  char *dir = realpath(*copy ? copy : "/", NULL);
  char *base = dir ? xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", name) : xstrdup(path);
  free(dir);
  free(copy);
  int last_err = 0;
  for (int round = 0; round < MAX_ROUNDS; round++) {
    struct mount_entry *m;
    size_t cnt, nv = 0;
    if (mountinfo_read(&m, &cnt) != 0) {
      result_errno(errno);
      free(base);
      return;
    }
    struct victim *v = xmalloc((cnt + 1) * sizeof *v);
    for (size_t i = 0; i < cnt; i++) {
      if (!path_at_or_below(m[i].mountpoint, base))
        continue;
      int depth = 0;
      for (const char *c = m[i].mountpoint; *c; c++)
        depth += *c == '/';
      v[nv].path = m[i].mountpoint;
      v[nv].depth = depth;
      v[nv].index = i;
      nv++;
    }
    if (nv == 0) {
      free(v);
      mountinfo_free(m, cnt);
      free(base);
      result_ok();
      return;
    }
    qsort(v, nv, sizeof *v, victim_cmp);
    for (size_t i = 0; i < nv; i++)
      if (umount2(v[i].path, MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL &&
          errno != ENOENT)
        last_err = errno;
    free(v);
    mountinfo_free(m, cnt);
  }
  free(base);
  if (last_err)
    result_errno(last_err);
  else
    result_err("EBUSY", "mounts remain after 10 rounds of unmounting");
}

static void do_line(char **f, int n) {
  const char *op = f[0];
  unsigned long maj, min;
  mode_t mode;
  long uid, gid;
  if (!strcmp(op, "mknod")) {
    if (n != 6 || (strcmp(f[2], "c") && strcmp(f[2], "b")) || mode_arg(f[3], &mode) ||
        parse_ulong(f[4], 10, UINT_MAX, &maj) || parse_ulong(f[5], 10, UINT_MAX, &min)) {
      result_err("EINVAL", "usage: mknod <path> <c|b> <octal mode> <major> <minor>");
      return;
    }
    mode |= f[2][0] == 'c' ? S_IFCHR : S_IFBLK;
    result_sys(mknod(f[1], mode, makedev(maj, min)));
  } else if (!strcmp(op, "mkfifo")) {
    if (n != 3 || mode_arg(f[2], &mode)) {
      result_err("EINVAL", "usage: mkfifo <path> <octal mode>");
      return;
    }
    result_sys(mkfifo(f[1], mode));
  } else if (!strcmp(op, "setxattr")) {
    if (n != 4) {
      result_err("EINVAL", "usage: setxattr <path> <name> <hex value>");
      return;
    }
    op_setxattr(f);
  } else if (!strcmp(op, "lchown")) {
    if (n != 4 || parse_long(f[2], -1, 0xfffffffeL, &uid) || parse_long(f[3], -1, 0xfffffffeL, &gid)) {
      result_err("EINVAL", "usage: lchown <path> <uid> <gid>");
      return;
    }
    result_sys(lchown(f[1], (uid_t)uid, (gid_t)gid));
  } else if (!strcmp(op, "umount-tree")) {
    if (n != 2) {
      result_err("EINVAL", "usage: umount-tree <abs path>");
      return;
    }
    op_umount_tree(f[1]);
  } else {
    result_err("EINVAL", "unknown operation");
  }
}

int cmd_fsops(void) {
  umask(0);
  struct buf in = {0};
  int eof = 0;
  char *f[8];
  while (!eof) {
    buf_reserve(&in, 65536);
    ssize_t r = read(0, in.p + in.len, 65536);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      fail_errno("rkt-isolation: fsops: reading stdin");
    }
    if (r == 0) {
      eof = 1;
      if (in.len && in.p[in.len - 1] != '\n')
        buf_add(&in, "\n", 1); /* a last line without its newline */
    }
    in.len += (size_t)r;
    if (memchr(in.p + in.len - (size_t)r, 0, (size_t)r)) {
      result_err("EINVAL", "malformed input: NUL byte");
      return EXIT_RKT;
    }
    size_t start = 0;
    for (;;) {
      char *nl = memchr(in.p + start, '\n', in.len - start);
      if (!nl)
        break;
      *nl = 0;
      char *line = in.p + start;
      start = (size_t)(nl - in.p) + 1;
      if (!*line)
        continue;
      int n = split_fields(line, " \t", f, 8);
      if (n < 0) {
        result_err("EINVAL", "too many fields");
        continue;
      }
      for (int i = 0; i < n; i++)
        if (pct_decode(f[i]) != 0) {
          result_err("EINVAL", "malformed input: bad percent-encoding");
          return EXIT_RKT;
        }
      do_line(f, n);
    }
    memmove(in.p, in.p + start, in.len - start);
    in.len -= start;
  }
  free(in.p);
  return 0;
}
