/* Joining the namespaces of another process (enter). All namespace files are opened first
 * (joining the mount namespace changes what /proc shows), then joined in the order
 * ipc, uts, net, cgroup, pid, mnt. The pid namespace only applies to children: the caller
 * must fork and proxy the exit status (run.c does). The user namespace is not joined. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static const struct {
  int flag;
  const char *name;
} ns_order[] = {
    {CLONE_NEWIPC, "ipc"},       {CLONE_NEWUTS, "uts"}, {CLONE_NEWNET, "net"},
    {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWPID, "pid"}, {CLONE_NEWNS, "mnt"},
};
#define NS_COUNT (int)(sizeof ns_order / sizeof ns_order[0])

int ns_types_parse(const char *list, int *types) {
  char name[32];
  int t = 0;
  const char *s = list;
  while (*s) {
    size_t n = strcspn(s, ",");
    if (n == 0 || n >= sizeof name)
      return -1;
    memcpy(name, s, n);
    name[n] = 0;
    int k;
    for (k = 0; k < NS_COUNT; k++)
      if (!strcmp(name, ns_order[k].name))
        break;
    if (k == NS_COUNT)
      return -1;
    t |= ns_order[k].flag;
    s += n;
    if (*s == ',')
      s++;
  }
  if (!t)
    return -1;
  *types = t;
  return 0;
}

int ns_join_all(const struct spec *s) {
  int fds[NS_COUNT];
  int joined_pid = 0;
  for (int k = 0; k < NS_COUNT; k++) {
    fds[k] = -1;
    for (size_t j = 0; j < s->njoins; j++) {
      if (!(s->joins[j].types & ns_order[k].flag))
        continue;
      char p[64];
      snprintf(p, sizeof p, "/proc/%d/ns/%s", (int)s->joins[j].pid, ns_order[k].name);
      fds[k] = open(p, O_RDONLY | O_CLOEXEC);
      if (fds[k] < 0)
        fail_errno("stage1: cannot open %s", p);
    }
  }
  for (int k = 0; k < NS_COUNT; k++) {
    if (fds[k] < 0)
      continue;
    if (setns(fds[k], ns_order[k].flag) != 0)
      fail_errno("stage1: cannot join the %s namespace", ns_order[k].name);
    close(fds[k]);
    if (ns_order[k].flag == CLONE_NEWPID)
      joined_pid = 1;
  }
  return joined_pid;
}
