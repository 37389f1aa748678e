/* Parser of the spec language (see README.md, "Spec files").
 *
 * One directive per line; fields separated by single spaces, each field percent-encoded.
 * Blank lines and lines starting with '#' are ignored. The whole file is parsed and validated
 * before anything is done; errors are "rkt-isolation: <file>:<line>: <what>", exit 254. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define MAX_FIELDS 4096
#define MAX_SPEC_SIZE (16u << 20)

struct pctx {
  const char *file;
  int line;
};

NORETURN PRINTF(2, 3) static void spec_fail(const struct pctx *c, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c->line > 0)
    fail("rkt-isolation: %s:%d: %s", c->file, c->line, msg);
  fail("rkt-isolation: %s: %s", c->file, msg);
}

static void need_args(const struct pctx *c, const char *d, int nargs, int min, int max) {
  if (nargs >= min && nargs <= max)
    return;
  if (min == max)
    spec_fail(c, "%s takes %d argument%s, got %d", d, min, min == 1 ? "" : "s", nargs);
  if (max == INT_MAX)
    spec_fail(c, "%s takes at least %d argument%s, got %d", d, min, min == 1 ? "" : "s", nargs);
  spec_fail(c, "%s takes %d to %d arguments, got %d", d, min, max, nargs);
}

static char *need_abs(const struct pctx *c, const char *d, char *p) {
  if (p[0] != '/')
    spec_fail(c, "%s: path \"%s\" must be absolute", d, p);
  return p;
}

static void once(const struct pctx *c, const char *d, int already) {
  if (already)
    spec_fail(c, "duplicate %s directive", d);
}

static unsigned long num(const struct pctx *c, const char *d, const char *s, int base,
                         unsigned long max) {
  unsigned long v;
  if (parse_ulong(s, base, max, &v) != 0)
    spec_fail(c, "%s: invalid number \"%s\"", d, s);
  return v;
}

static unsigned bind_opts(const struct pctx *c, char *s) {
  unsigned f = 0;
  if (!*s || !strcmp(s, "-"))
    return 0;
  char *save = NULL;
  for (char *o = strtok_r(s, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    if (!strcmp(o, "rec"))
      f |= BIND_REC;
    else if (!strcmp(o, "ro"))
      f |= BIND_RO;
    else if (!strcmp(o, "optional"))
      f |= BIND_OPTIONAL;
    else if (strcmp(o, "rw") && strcmp(o, "norec"))
      spec_fail(c, "bind: unknown option \"%s\"", o);
  }
  return f;
}

static const char *mode_name(enum spec_mode m) {
  switch (m) {
  case SPEC_RUN:
    return "rkt-isolation run";
  case SPEC_ENTER:
    return "rkt-isolation enter";
  case SPEC_POD:
    return "rkt-isolation pod";
  case SPEC_APP:
    return "an app of rkt-isolation init";
  }
  return "?";
}

/* Directives valid only in some modes: allowed is a bit set of (1 << mode). */
#define M(x) (1u << (x))
static void only_in(const struct pctx *c, const struct spec *s, const char *d, unsigned allowed) {
  if (!(allowed & M(s->mode)))
    spec_fail(c, "%s is not valid in a spec for %s", d, mode_name(s->mode));
}

/* "CAP_A,CAP_B", "-" for none. */
static unsigned long long cap_set(const struct pctx *c, char *list) {
  unsigned long long set = 0;
  if (!strcmp(list, "-"))
    return 0;
  char *save = NULL;
  for (char *n = strtok_r(list, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
    int cap = cap_from_name(n);
    if (cap < 0)
      spec_fail(c, "caps: unknown capability \"%s\"", n);
    set |= 1ULL << cap;
  }
  return set;
}

/* path [argv0 argv1 ...]: an argv for exec and the event handlers, NULL terminated. */
static char **argv_of(char **a, int na) {
  int argc = na > 1 ? na - 1 : 1;
  char **v = xmalloc((size_t)(argc + 2) * sizeof(char *));
  v[0] = a[0]; /* the path first, then the argv */
  if (na > 1)
    for (int i = 1; i < na; i++)
      v[i] = a[i];
  else
    v[1] = a[0];
  v[argc + 1] = NULL;
  return v;
}

static void add_op(struct spec *s, size_t *cap, int kind, int line, char **args, int nargs) {
  if (s->nops == *cap) {
    *cap = *cap ? *cap * 2 : 16;
    s->ops = xrealloc(s->ops, *cap * sizeof *s->ops);
  }
  struct fs_op *op = &s->ops[s->nops++];
  memset(op, 0, sizeof *op);
  op->kind = kind;
  op->line = line;
  op->base = s->within;
  op->nargs = nargs;
  op->args = xmalloc((size_t)(nargs + 1) * sizeof(char *));
  for (int i = 0; i < nargs; i++)
    op->args[i] = args[i];
  op->args[nargs] = NULL;
}

static void add_join(const struct pctx *c, struct spec *s, pid_t pid, int types) {
  for (size_t i = 0; i < s->njoins; i++)
    if (s->joins[i].types & types)
      spec_fail(c, "a namespace is joined twice");
  s->joins = xrealloc(s->joins, (s->njoins + 1) * sizeof *s->joins);
  s->joins[s->njoins].pid = pid;
  s->joins[s->njoins].types = types;
  s->joins[s->njoins].line = c->line;
  s->njoins++;
}

void spec_load(const char *path, enum spec_mode mode, struct spec *s) {
  struct pctx c = {path, 0};
  memset(s, 0, sizeof *s);
  s->path = path;
  s->mode = mode;
  s->enter = mode == SPEC_ENTER;
  int enter = s->enter;
  s->lock_fd = -1;
  size_t opcap = 0, envcap = 0;

  size_t len;
  char *text = read_file(path, MAX_SPEC_SIZE, &len);
  if (!text)
    fail_errno("rkt-isolation: cannot read spec %s", path);
  if (strlen(text) != len)
    spec_fail(&c, "the file contains a NUL byte");

  char **f = xmalloc(MAX_FIELDS * sizeof(char *));
  char *next = text, *line;
  while ((line = next_spec_line(&next, &c.line))) {
    int n = split_fields(line, " ", f, MAX_FIELDS);
    if (n < 0)
      spec_fail(&c, "too many fields");
    int bad = pct_decode_fields(f, n);
    if (bad)
      spec_fail(&c, "field %d: invalid percent-encoding (or an encoded NUL byte)", bad);
    const char *d = f[0];
    char **a = f + 1;
    int na = n - 1;

    if (!strcmp(d, "version")) {
      need_args(&c, d, na, 1, 1);
      once(&c, d, s->version);
      if (strcmp(a[0], "1"))
        spec_fail(&c, "unsupported spec version \"%s\" (this helper reads version 1)", a[0]);
      s->version = 1;
    } else if (!strcmp(d, "mount-ns")) {
      need_args(&c, d, na, 0, 0);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_ENTER) | M(SPEC_POD));
      s->mount_ns = 1;
    } else if (!strcmp(d, "root")) {
      need_args(&c, d, na, 1, 1);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_ENTER) | M(SPEC_APP));
      once(&c, d, s->root != NULL);
      s->root = need_abs(&c, d, a[0]);
    } else if (!strcmp(d, "overlay")) {
      need_args(&c, d, na, 4, INT_MAX);
      for (int i = 0; i < na; i++)
        if (!((i == 1 || i == 2) && !strcmp(a[i], "-")))
          need_abs(&c, d, a[i]);
      if ((strcmp(a[1], "-") == 0) != (strcmp(a[2], "-") == 0))
        spec_fail(&c, "overlay: upper and work must both be given or both be \"-\"");
      add_op(s, &opcap, FSOP_OVERLAY, c.line, a, na);
    } else if (!strcmp(d, "bind")) {
      need_args(&c, d, na, 2, 3);
      need_abs(&c, d, a[0]);
      need_abs(&c, d, a[1]);
      unsigned fl = na == 3 ? bind_opts(&c, a[2]) : 0;
      add_op(s, &opcap, FSOP_BIND, c.line, a, 2);
      s->ops[s->nops - 1].flags = fl;
    } else if (!strcmp(d, "tmpfs")) {
      need_args(&c, d, na, 1, 2);
      need_abs(&c, d, a[0]);
      add_op(s, &opcap, FSOP_TMPFS, c.line, a, na);
    } else if (!strcmp(d, "proc")) {
      need_args(&c, d, na, 1, 1);
      need_abs(&c, d, a[0]);
      add_op(s, &opcap, FSOP_PROC, c.line, a, na);
    } else if (!strcmp(d, "mkdir")) {
      need_args(&c, d, na, 2, 2);
      need_abs(&c, d, a[0]);
      mode_t m = (mode_t)num(&c, d, a[1], 8, 07777);
      add_op(s, &opcap, FSOP_MKDIR, c.line, a, na);
      s->ops[s->nops - 1].mode = m;
    } else if (!strcmp(d, "symlink")) {
      need_args(&c, d, na, 2, 2);
      if (!*a[0])
        spec_fail(&c, "symlink: empty target");
      need_abs(&c, d, a[1]);
      add_op(s, &opcap, FSOP_SYMLINK, c.line, a, na);
    } else if (!strcmp(d, "lock-fd")) {
      need_args(&c, d, na, 1, 1);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_POD));
      once(&c, d, s->lock_fd >= 0);
      s->lock_fd = (int)num(&c, d, a[0], 10, INT_MAX);
      if (fcntl(s->lock_fd, F_GETFD) < 0)
        spec_fail(&c, "lock-fd: file descriptor %d is not open", s->lock_fd);
    } else if (!strcmp(d, "keep-fd")) {
      need_args(&c, d, na, 1, 1);
      only_in(&c, s, d, M(SPEC_RUN));
      int fd = (int)num(&c, d, a[0], 10, INT_MAX);
      if (fd < 3 || fcntl(fd, F_GETFD) < 0)
        spec_fail(&c, "keep-fd: file descriptor %s is not open (or is 0, 1 or 2)", a[0]);
      s->keep_fds = xrealloc(s->keep_fds, (s->nkeep_fds + 1) * sizeof(int));
      s->keep_fds[s->nkeep_fds++] = fd;
    } else if (!strcmp(d, "uid")) {
      need_args(&c, d, na, 1, 1);
      once(&c, d, s->has_uid);
      s->uid = (uid_t)num(&c, d, a[0], 10, 0xfffffffeUL);
      s->has_uid = 1;
    } else if (!strcmp(d, "gid")) {
      need_args(&c, d, na, 1, 1);
      once(&c, d, s->has_gid);
      s->gid = (gid_t)num(&c, d, a[0], 10, 0xfffffffeUL);
      s->has_gid = 1;
    } else if (!strcmp(d, "groups")) {
      need_args(&c, d, na, 1, 1);
      once(&c, d, s->has_groups);
      s->has_groups = 1;
      if (strcmp(a[0], "-") != 0) {
        char *save = NULL;
        for (char *g = strtok_r(a[0], ",", &save); g; g = strtok_r(NULL, ",", &save)) {
          s->groups = xrealloc(s->groups, (s->ngroups + 1) * sizeof(gid_t));
          s->groups[s->ngroups++] = (gid_t)num(&c, d, g, 10, 0xfffffffeUL);
        }
        if (s->ngroups == 0)
          spec_fail(&c, "groups: empty list (use \"-\" for none)");
      }
    } else if (!strcmp(d, "cwd")) {
      need_args(&c, d, na, 1, 1);
      once(&c, d, s->cwd != NULL);
      s->cwd = need_abs(&c, d, a[0]);
    } else if (!strcmp(d, "env")) {
      need_args(&c, d, na, 1, 1);
      char *eq = strchr(a[0], '=');
      if (!eq || eq == a[0])
        spec_fail(&c, "env: \"%s\" is not of the form NAME=VALUE", a[0]);
      if (s->nenv + 1 >= envcap) {
        envcap = envcap ? envcap * 2 : 32;
        s->env = xrealloc(s->env, envcap * sizeof(char *));
      }
      s->env[s->nenv++] = a[0];
    } else if (!strcmp(d, "exec")) {
      need_args(&c, d, na, 1, INT_MAX);
      once(&c, d, s->exec_path != NULL);
      if (!*a[0])
        spec_fail(&c, "exec: empty path");
      char **v = argv_of(a, na);
      s->exec_path = v[0];
      s->argv = v + 1;
      s->argc = (size_t)(na > 1 ? na - 1 : 1);
    } else if (!strcmp(d, "pid-file")) {
      need_args(&c, d, na, 1, 1);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_ENTER));
      once(&c, d, s->pid_file != NULL);
      s->pid_file = need_abs(&c, d, a[0]);
    } else if (!strcmp(d, "pgid-file")) {
      need_args(&c, d, na, 1, 1);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_ENTER));
      once(&c, d, s->pgid_file != NULL);
      s->pgid_file = need_abs(&c, d, a[0]);
    } else if (!strcmp(d, "status-file")) {
      need_args(&c, d, na, 1, 1);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_ENTER) | M(SPEC_APP));
      once(&c, d, s->status_file != NULL);
      s->status_file = need_abs(&c, d, a[0]);
    } else if (!strcmp(d, "stdin")) {
      need_args(&c, d, na, 1, 1);
      if (strcmp(a[0], "null") && strcmp(a[0], "inherit"))
        spec_fail(&c, "stdin: unknown mode \"%s\" (null or inherit)", a[0]);
      s->stdin_null = !strcmp(a[0], "null");
    } else if (!strcmp(d, "join-mount-ns") || !strcmp(d, "join-ns")) {
      int is_mnt = !strcmp(d, "join-mount-ns");
      need_args(&c, d, na, is_mnt ? 1 : 2, is_mnt ? 1 : 2);
      if (!enter)
        spec_fail(&c, "%s is only valid with \"rkt-isolation enter\"", d);
      pid_t pid = (pid_t)num(&c, d, a[0], 10, INT_MAX);
      if (pid < 1)
        spec_fail(&c, "%s: invalid pid \"%s\"", d, a[0]);
      int types = CLONE_NEWNS;
      if (!is_mnt && ns_types_parse(a[1], &types) != 0)
        spec_fail(&c, "join-ns: invalid namespace list \"%s\" (ipc,uts,net,pid,mnt,cgroup)", a[1]);
      add_join(&c, s, pid, types);
    } else if (!strcmp(d, "within")) {
      need_args(&c, d, na, 1, 1);
      s->within = strcmp(a[0], "-") ? need_abs(&c, d, a[0]) : NULL;
    } else if (!strcmp(d, "mask")) {
      need_args(&c, d, na, 3, 3);
      for (int i = 0; i < 3; i++)
        need_abs(&c, d, a[i]);
      add_op(s, &opcap, FSOP_MASK, c.line, a, na);
    } else if (!strcmp(d, "readonly")) {
      need_args(&c, d, na, 1, 1);
      need_abs(&c, d, a[0]);
      add_op(s, &opcap, FSOP_READONLY, c.line, a, na);
    } else if (!strcmp(d, "readonly-root")) {
      need_args(&c, d, na, 0, 0);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_APP));
      s->readonly_root = 1;
    } else if (!strcmp(d, "caps")) {
      need_args(&c, d, na, 1, 1);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_APP));
      once(&c, d, s->has_caps);
      s->caps = cap_set(&c, a[0]);
      s->has_caps = 1;
    } else if (!strcmp(d, "no-new-privs")) {
      need_args(&c, d, na, 0, 0);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_APP));
      s->no_new_privs = 1;
    } else if (!strcmp(d, "seccomp") || !strcmp(d, "seccomp-file")) {
      int from_file = !strcmp(d, "seccomp-file");
      need_args(&c, d, na, from_file ? 3 : 2, from_file ? 3 : INT_MAX);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_APP));
      if (s->seccomp)
        spec_fail(&c, "duplicate seccomp directive");
      struct seccomp_spec *sc = xmalloc(sizeof *sc);
      memset(sc, 0, sizeof *sc);
      if (strcmp(a[0], "retain") && strcmp(a[0], "remove"))
        spec_fail(&c, "seccomp: mode must be retain or remove, not \"%s\"", a[0]);
      sc->retain = !strcmp(a[0], "retain");
      sc->err = 0;
      if (strcmp(a[1], "kill") && (sc->err = errno_from_name(a[1])) <= 0)
        spec_fail(&c, "seccomp: unknown errno \"%s\" (an errno name such as EPERM, or kill)", a[1]);
      if (from_file) {
        sc->file = need_abs(&c, d, a[2]);
      } else {
        sc->nnames = (size_t)(na - 2);
        sc->names = xmalloc((sc->nnames + 1) * sizeof(char *)); /* f is reused for every line */
        memcpy(sc->names, a + 2, sc->nnames * sizeof(char *));
        sc->names[sc->nnames] = NULL;
      }
      s->seccomp = sc;
    } else if (!strcmp(d, "cgroup")) {
      need_args(&c, d, na, 1, 1);
      s->cgroups = xrealloc(s->cgroups, (s->ncgroups + 1) * sizeof(char *));
      s->cgroups[s->ncgroups++] = need_abs(&c, d, a[0]);
    } else if (!strcmp(d, "oom-score-adj")) {
      need_args(&c, d, na, 1, 1);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_APP));
      once(&c, d, s->has_oom_score_adj);
      long v;
      if (parse_long(a[0], -1000, 1000, &v) != 0)
        spec_fail(&c, "oom-score-adj: \"%s\" is not a number from -1000 to 1000", a[0]);
      s->oom_score_adj = (int)v;
      s->has_oom_score_adj = 1;
    } else if (!strcmp(d, "tty")) {
      need_args(&c, d, na, 0, 0);
      only_in(&c, s, d, M(SPEC_RUN) | M(SPEC_APP));
      s->tty = 1;
    } else if (!strcmp(d, "pre-start") || !strcmp(d, "post-stop")) {
      need_args(&c, d, na, 1, INT_MAX);
      only_in(&c, s, d, M(SPEC_APP));
      char ***h = !strcmp(d, "pre-start") ? &s->pre_start : &s->post_stop;
      once(&c, d, *h != NULL);
      if (!*a[0])
        spec_fail(&c, "%s: empty path", d);
      *h = argv_of(a, na);
    } else if (!strcmp(d, "devices")) {
      need_args(&c, d, na, 1, INT_MAX);
      only_in(&c, s, d, M(SPEC_POD));
      once(&c, d, s->dev_cgroup != NULL);
      s->dev_cgroup = need_abs(&c, d, a[0]);
      s->ndev_rules = (size_t)(na - 1);
      s->dev_rules = xmalloc((s->ndev_rules + 1) * sizeof *s->dev_rules);
      for (int i = 1; i < na; i++)
        if (dev_rule_parse(a[i], &s->dev_rules[i - 1]) != 0)
          spec_fail(&c, "devices: \"%s\" is not a device rule (TYPE:MAJOR:MINOR:ACCESS, e.g. c:1:3:rwm or c:136:*:rw)", a[i]);
    } else if (!strcmp(d, "ppid-file")) {
      need_args(&c, d, na, 1, 1);
      only_in(&c, s, d, M(SPEC_POD));
      once(&c, d, s->ppid_file != NULL);
      s->ppid_file = need_abs(&c, d, a[0]);
    } else {
      spec_fail(&c, "unknown directive \"%s\"", d);
    }
  }
  free(f);

  c.line = 0;
  if (!s->version)
    spec_fail(&c, "missing \"version 1\" directive");
  if (!s->root && mode != SPEC_POD)
    spec_fail(&c, "missing root directive");
  if (!s->root)
    s->root = "/";
  if (!s->exec_path)
    spec_fail(&c, "missing exec directive");
  if (!s->cwd)
    s->cwd = "/";

  /* The environment: exactly the env directives, without RKT_LOCK_FD when the lock is held
   * by the supervisor. */
  size_t w = 0;
  for (size_t i = 0; i < s->nenv; i++) {
    if (s->lock_fd >= 0 && !strncmp(s->env[i], "RKT_LOCK_FD=", 12))
      continue;
    s->env[w++] = s->env[i];
  }
  s->nenv = w;
  if (!s->env)
    s->env = xmalloc(sizeof(char *));
  s->env[s->nenv] = NULL;
  /* text is not freed: the fields point into it for the life of the process. */
}
