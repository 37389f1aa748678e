/* Joining a cgroup: our pid into <dir>/cgroup.procs ("0" is the writer itself). Works for
 * cgroup v1 hierarchies and the unified hierarchy alike; the directories are made (and
 * their limits written) by stage1 before the pod starts. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

void cgroup_join(const char *dir) {
  char *p = xasprintf("%s/cgroup.procs", dir);
  int fd = open(p, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write_all(fd, "0", 1) != 0)
    fail_errno("stage1: joining the cgroup %s", dir);
  close(fd);
  free(p);
}
