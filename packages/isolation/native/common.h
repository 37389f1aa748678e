/* rkt-isolation: shared declarations. */
#ifndef RKT_ISOLATION_COMMON_H
#define RKT_ISOLATION_COMMON_H

#include <stddef.h>
#include <sys/types.h>

#define RKT_ISOLATION_VERSION "1.0.0"

/* Exit codes. 254 is rkt's own error code; 203 is systemd's EXIT_EXEC, used by rkt
 * when an app's executable cannot be started. */
#define EXIT_RKT 254
#define EXIT_EXEC 203

#define NORETURN __attribute__((noreturn))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))

/* util.c */
NORETURN void fail(const char *fmt, ...) PRINTF(1, 2);       /* prints fmt + "\n", exit 254 */
NORETURN void fail_errno(const char *fmt, ...) PRINTF(1, 2); /* appends ": strerror(errno)" */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);
const char *errno_name(int e);
int errno_from_name(const char *name); /* -1 when unknown */

/* Percent encoding: '%', bytes < 0x21 and 0x7f are written as %XX. */
int pct_decode(char *s);            /* in place; -1 on a bad escape or an encoded NUL */
size_t pct_encoded_len(const char *s);
char *pct_encode_to(char *out, const char *s); /* returns the end of what was written */

struct buf {
  char *p;
  size_t len, cap;
};
void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_add_encoded(struct buf *b, const char *s);

/* Splits s in place on any character of seps (each separator ends one field, so two
 * separators in a row give an empty field). Returns the number of fields, or -1 when
 * there are more than max. */
int split_fields(char *s, const char *seps, char **fields, int max);

/* The lines of a spec file read into memory (every spec language of the helper: one
 * directive per line, blank lines and '#' comments ignored). Returns the next line that is
 * neither, NUL-terminated in place, or NULL at the end; *next starts at the text and
 * *lineno counts every line read (from 1), so errors can name the line. */
char *next_spec_line(char **next, int *lineno);
/* Percent-decodes fields in place; returns the number (from 1) of the first field that does
 * not decode, or 0 when all do. */
int pct_decode_fields(char **fields, int n);

int parse_ulong(const char *s, int base, unsigned long max, unsigned long *out);
int parse_long(const char *s, long min, long max, long *out);

/* Writes content to path atomically (a temporary file in the same directory, then rename). */
int write_file_atomic(const char *path, const char *content);
int write_all(int fd, const void *p, size_t n);
int mkdir_p(const char *path, mode_t mode);
char *read_file(const char *path, size_t max, size_t *len);

/* Unix sockets with fds attached (SCM_RIGHTS). send: the bytes sent, or -1. recv: at most len
 * bytes; the fds that came with them are appended to fds (*nfds counts them, at most max in
 * all: more, or a truncated control message, is an error, EPROTO, the extras closed). */
#define MAX_PASSED_FDS 4
ssize_t send_with_fds(int sock, const void *data, size_t len, const int *fds, int nfds);
ssize_t recv_with_fds(int sock, void *data, size_t len, int *fds, int *nfds, int max);

/* mountinfo.c */
struct mount_entry {
  int id, parent;
  char *mountpoint;
};
int mountinfo_read(struct mount_entry **out, size_t *n);
void mountinfo_free(struct mount_entry *m, size_t n);
int path_at_or_below(const char *path, const char *base);

/* resolve.c: safe resolution of paths inside a root directory. */
#define RESOLVE_CREATE_DIR 1
#define RESOLVE_CREATE_FILE 2
#define RESOLVE_OPTIONAL 4 /* a missing path is no error: -1, errno ENOENT */
int root_resolve(int rootfd, const char *path, int create, mode_t mode);
int root_resolve_parent(int rootfd, const char *path, char **last);

/* spec.c */
#define FSOP_OVERLAY 1
#define FSOP_BIND 2
#define FSOP_TMPFS 3
#define FSOP_PROC 4
#define FSOP_MKDIR 5
#define FSOP_SYMLINK 6
#define FSOP_MASK 7     /* args: dest, inaccessible dir, inaccessible file */
#define FSOP_READONLY 8 /* args: dest */

#define BIND_REC 1u
#define BIND_RO 2u
#define BIND_OPTIONAL 4u

struct fs_op {
  int kind;
  int line;
  const char *base; /* the root dest paths are resolved in ("within"); NULL: the spec's root */
  char **args; /* decoded fields after the directive name */
  int nargs;
  unsigned flags; /* BIND_* */
  mode_t mode;    /* mkdir */
};

struct ns_join {
  pid_t pid;
  int types; /* CLONE_NEW* flags */
  int line;
};

/* What a spec file is read for: the directives allowed and required differ. */
enum spec_mode {
  SPEC_RUN,   /* rkt-isolation run: one app, chrooted */
  SPEC_ENTER, /* rkt-isolation enter: a command in a running pod */
  SPEC_POD,   /* rkt-isolation pod: host-side setup, then exec in place (no chroot) */
  SPEC_APP,   /* one app of rkt-isolation init */
};

/* A seccomp filter: syscall names, allowed (retain) or denied (remove). */
struct seccomp_spec {
  int retain;     /* 1: only the names are allowed; 0: the names are denied */
  int err;        /* errno returned for a denied call; 0: the process is killed (SIGSYS) */
  char **names;   /* inline names ("seccomp"), or */
  size_t nnames;
  char *file;     /* a file of names separated by white space ("seccomp-file") */
};

/* A device the device policy allows (devpolicy.c): type, major and minor (-1: any), access. */
struct dev_rule {
  int type;        /* BPF_DEVCG_DEV_CHAR or BPF_DEVCG_DEV_BLOCK */
  long major, minor;
  unsigned access; /* BPF_DEVCG_ACC_MKNOD | READ | WRITE */
};
int dev_rule_parse(const char *s, struct dev_rule *r); /* "c:1:3:rwm", "c:136:*:rw": 0, or -1 */
/* Loads and attaches the policy to a cgroup2 directory (exit 254 on failure). */
void dev_policy_attach(const char *cgroup_dir, const struct dev_rule *rules, size_t n);

struct spec {
  const char *path;
  enum spec_mode mode;
  int enter; /* mode == SPEC_ENTER */
  int version;
  int mount_ns;
  char *root;
  struct fs_op *ops;
  size_t nops;
  int lock_fd;
  int *keep_fds; /* run: fds the program gets (every other fd above 2 is closed on exec) */
  size_t nkeep_fds;
  int has_uid, has_gid, has_groups;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t ngroups;
  char *cwd;
  char **env; /* NULL terminated */
  size_t nenv;
  char *exec_path;
  char **argv; /* NULL terminated */
  size_t argc;
  char *pid_file, *pgid_file, *status_file;
  int stdin_null;
  struct ns_join *joins;
  size_t njoins;
  /* Isolation of the app's process (run, app). */
  int has_caps;
  unsigned long long caps; /* capability bounding set, bit n = capability n */
  int no_new_privs;
  struct seccomp_spec *seccomp;
  char **cgroups; /* cgroup directories the process joins */
  size_t ncgroups;
  int has_oom_score_adj;
  int oom_score_adj;
  int readonly_root;
  int tty;          /* the app takes stdin as its controlling terminal (when it is one) */
  char **pre_start; /* event handlers (app): argv, NULL when absent */
  char **post_stop;
  char *ppid_file; /* pod: our own pid, written before the exec */
  char *dev_cgroup; /* pod: the cgroup2 directory the device policy goes on, or NULL */
  struct dev_rule *dev_rules;
  size_t ndev_rules;
  char *within;    /* while parsing: the base of the following mount directives */
};
void spec_load(const char *path, enum spec_mode mode, struct spec *s);

/* mounts.c */
void mounts_unshare(void);
void mounts_apply(const char *root, const struct fs_op *op);
void mounts_readonly_root(const char *root);

/* creds.c */
void creds_apply(const struct spec *s);

/* caps.c: capability names (CAP_CHOWN ...) and the bounding set. */
int cap_from_name(const char *name);       /* -1 when unknown */
int cap_last(void);                        /* the highest capability the kernel knows */
void caps_drop_bounding(unsigned long long keep); /* before the credentials change */
void caps_clear_inheritable(void);         /* inheritable and ambient sets emptied */

/* seccomp.c: a filter compiled once (BPF), installed in each app's process. */
struct seccomp_prog;
struct seccomp_prog *seccomp_compile(const struct seccomp_spec *sc);
void seccomp_install(const struct seccomp_prog *p); /* fails (exit 254) when refused */
void seccomp_load_no_setid_files(void); /* the kvm flavor's QEMU: no setuid/setgid modes */

/* cgroup.c */
void cgroup_join(const char *dir); /* the calling process joins dir (fails: exit 254) */

/* app.c: the steps shared by run and init between fork and exec. */
enum app_role {
  ROLE_APP,     /* the app itself */
  ROLE_HANDLER, /* its pre-start or post-stop handler: as root, confined as the app */
  ROLE_SESSION, /* an rkt enter session: the app's confinement, its own stdio, in / */
};
struct app_exec {
  const struct spec *s;
  const struct seccomp_prog *filter; /* compiled from s->seccomp, or NULL */
  mode_t umask;                      /* restored before the exec */
  int mntns;                         /* the app's mount namespace (init), or -1: chroot (run) */
  enum app_role role;
  const char *path;                  /* handler, session: the program (NULL: the app's) ... */
  char **argv;                       /* ... and its argv */
  char **env;                        /* session: its environment (NULL: the app's) */
  int new_session;                   /* setsid (init's apps and handlers) */
};
NORETURN void app_exec(const struct app_exec *a, pid_t expect_ppid);
NORETURN void exec_search(const char *file, char **argv, char **env);
/* execve's ENOENT for a file that exists: its missing ELF or #! interpreter, into out. */
int missing_interpreter(const char *file, char *out, size_t n);
void app_enter_root(const struct spec *s); /* chroot into s->root and chdir to s->cwd */

/* appns.c: the app's own mount namespace (its mounts, then pivot_root into its root); an fd
 * of it (exit 254 on failure). */
int app_mount_ns(const struct spec *s);

/* nsjoin.c: returns 1 when a pid namespace was joined (the caller must fork). */
int ns_join_all(const struct spec *s);
int ns_types_parse(const char *list, int *types);

/* run.c */
int cmd_run(const char *spec_path, int enter, int remove_spec);
int write_number(const char *path, long v);

/* pod.c */
int cmd_pod(const char *spec_path);

/* init.c: ctl_fd is a control channel connection the init inherits (kvm), or -1. */
int cmd_init(const char *spec_path, int ctl_fd);

/* vm.c, vmguest.c: the kvm flavor (see vm.h) */
int cmd_vm_dispatch(int argc, char **argv); /* argv[0]: vm or vm-guest */
int cmd_vm(const char *spec_path);
int cmd_vm_guest(int argc, char **argv);

/* ctlenter.c: rkt enter through a pod's control channel */
int cmd_ctl_enter(const char *spec_path, int remove_spec);

/* sealed.c: the pod init runs from a sealed copy of itself in memory */
void reexec_sealed(char **argv);

/* launcher.c */
int cmd_launch(int argc, char **argv);

/* fsops.c */
int cmd_fsops(void);

/* signals.c: forwarding of signals sent by a process (si_code <= 0) to a child.
 * Signals ignored at start stay ignored. */
void sig_forward_install(const int *sigs, int n, volatile pid_t *target);
void sig_forward_restore(void);

#endif
