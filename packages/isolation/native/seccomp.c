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
