/* The pod init runs from a sealed copy of itself in memory, as runc runs its init
 * (CVE-2019-5736): its /proc/PID/exe is that copy, never the helper binary of the host, so
 * that no process of the pod can reach the host's file through it, whatever it can open. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

extern char **environ;

void reexec_sealed(char **argv) {
  char exe[64];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = 0;
    if (!strncmp(exe, "/memfd:", 7))
      return; /* the copy already */
  }
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
  /* MFD_EXEC where vm.memfd_noexec would make it not executable; kernels before 6.3 refuse
   * the flag and make it executable anyway. */
  int mfd = memfd_create("rkt-isolation", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL)
    mfd = memfd_create("rkt-isolation", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  struct stat sb;
  if (src < 0 || mfd < 0 || fstat(src, &sb) != 0)
    fail_errno("stage1: copying the init into memory");
  for (off_t done = 0; done < sb.st_size;) {
    ssize_t w = sendfile(mfd, src, NULL, (size_t)(sb.st_size - done));
    if (w <= 0)
      fail_errno("stage1: copying the init into memory");
    done += w;
  }
  close(src);
  if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
    fail_errno("stage1: sealing the init's copy");
  syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
  fail_errno("stage1: executing the init's copy");
}
