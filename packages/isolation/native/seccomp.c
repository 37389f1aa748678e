/* Seccomp filters from syscall names (libseccomp, linked statically).
 *
 * The filter is compiled once, in the process that starts the apps, into a BPF program
 * (seccomp_export_bpf into a memfd); each app's process then only installs it, so a pod of
 * many apps with the same filter pays for one compilation. Names libseccomp does not know
 * (syscalls of other architectures, newer kernels) are skipped.
 *
 * retain: every syscall not named fails (errno) or kills the process (kill); remove: only the
 * named ones do. Installing needs no_new_privs or CAP_SYS_ADMIN (the caller decides).
 * The names come from the spec line (seccomp) or from a file (seccomp-file), which lets
 * many apps share one list instead of each carrying a copy. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

struct seccomp_prog {
  struct sock_fprog prog;
};

static void add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR)
    return;
  /* A name of another architecture resolves to a negative pseudo number; libseccomp
   * refuses it for the native one: skipped as unknown. */
  int r = seccomp_rule_add(ctx, action, nr, 0);
  if (r != 0 && r != -EDOM && r != -EINVAL && r != -EEXIST)
    fail("stage1: seccomp: adding %s: %s", name, strerror(-r));
}

struct seccomp_prog *seccomp_compile(const struct seccomp_spec *sc) {
  uint32_t deny = sc->err ? SCMP_ACT_ERRNO((uint32_t)sc->err) : SCMP_ACT_KILL_PROCESS;
  uint32_t action = sc->retain ? SCMP_ACT_ALLOW : deny;
  scmp_filter_ctx ctx = seccomp_init(sc->retain ? deny : SCMP_ACT_ALLOW);
  if (!ctx)
    fail("stage1: seccomp: cannot create a filter");
  for (size_t i = 0; i < sc->nnames; i++)
    add_rule(ctx, action, sc->names[i]);
  if (sc->file) {
    char *text = read_file(sc->file, 1u << 20, NULL);
    if (!text)
      fail_errno("stage1: seccomp: cannot read %s", sc->file);
    char *save = NULL;
    for (char *n = strtok_r(text, " \t\n", &save); n; n = strtok_r(NULL, " \t\n", &save))
      add_rule(ctx, action, n);
    free(text);
  }
  int fd = memfd_create("rkt-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    fail_errno("stage1: seccomp: memfd_create");
  int r = seccomp_export_bpf(ctx, fd);
  seccomp_release(ctx);
  if (r != 0)
    fail("stage1: seccomp: exporting the filter: %s", strerror(-r));
  struct stat sb;
  if (fstat(fd, &sb) != 0 || sb.st_size <= 0 || sb.st_size % sizeof(struct sock_filter))
    fail("stage1: seccomp: the exported filter is malformed");
  struct seccomp_prog *p = xmalloc(sizeof *p);
  p->prog.len = (unsigned short)(sb.st_size / (off_t)sizeof(struct sock_filter));
  p->prog.filter = xmalloc((size_t)sb.st_size);
  if (pread(fd, p->prog.filter, (size_t)sb.st_size, 0) != sb.st_size)
    fail_errno("stage1: seccomp: reading the filter back");
  close(fd);
  return p;
}

void seccomp_install(const struct seccomp_prog *p) {
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->prog, 0, 0) != 0)
    fail_errno("stage1: installing the seccomp filter");
}

/* The filter of the kvm flavor's QEMU, which serves the pod's files to the guest over 9p as
 * root (security_model=passthrough): whatever mode the guest asks for becomes the host
 * file's. Refused with EPERM: any mode with the setuid or setgid bit (a setuid-root binary
 * in a host volume would be a host user's way to root); device nodes need CAP_MKNOD, which
 * QEMU does not keep. openat2 and io_uring could reach the same operations out of these
 * rules' sight: ENOSYS, for which QEMU and glibc have fallbacks. Loaded in the process that
 * then executes QEMU (no_new_privs is set). */
void seccomp_load_no_setid_files(void) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx)
    fail("stage1: seccomp: cannot create a filter");
  static const struct {
    const char *name;
    unsigned int mode_arg;
  } with_mode[] = {
      {"chmod", 1}, {"fchmod", 1}, {"fchmodat", 2}, {"fchmodat2", 2}, {"open", 2},
      {"openat", 3}, {"creat", 1}, {"mknod", 1},   {"mknodat", 2},
  };
  for (size_t i = 0; i < sizeof with_mode / sizeof with_mode[0]; i++) {
    int nr = seccomp_syscall_resolve_name(with_mode[i].name);
    if (nr == __NR_SCMP_ERROR || nr < 0)
      continue; /* unknown to this libseccomp (fchmodat2 is recent) */
    const scmp_datum_t bits[] = {S_ISUID, S_ISGID};
    for (size_t b = 0; b < 2; b++) {
      int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
                               SCMP_CMP(with_mode[i].mode_arg, SCMP_CMP_MASKED_EQ, bits[b], bits[b]));
      if (r != 0)
        fail("stage1: seccomp: restricting %s: %s", with_mode[i].name, strerror(-r));
    }
  }
  static const char *const hidden[] = {"openat2", "io_uring_setup", "io_uring_enter", "io_uring_register"};
  for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
    int nr = seccomp_syscall_resolve_name(hidden[i]);
    if (nr == __NR_SCMP_ERROR || nr < 0)
      continue;
    int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    if (r != 0)
      fail("stage1: seccomp: refusing %s: %s", hidden[i], strerror(-r));
  }
  int r = seccomp_load(ctx);
  seccomp_release(ctx);
  if (r != 0)
    fail("stage1: seccomp: loading QEMU's filter: %s", strerror(-r));
}
