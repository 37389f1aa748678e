/* Capabilities: names, the bounding set and the inheritable/ambient sets.
 *
 * An app's capabilities are bounded by its bounding set. Root keeps, across execve, the
 * bounding set plus its inheritable set, so the inheritable and ambient sets (systemd-nspawn
 * hands its payload a full inheritable set) are emptied too; a non-root app loses every
 * capability when its uid changes. No libcap: the raw capget/capset system calls. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

/* capability.h order, 0..40. */
static const char *const cap_names[] = {
    "CAP_CHOWN",          "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH",    "CAP_FOWNER",
    "CAP_FSETID",         "CAP_KILL",           "CAP_SETGID",             "CAP_SETUID",
    "CAP_SETPCAP",        "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",  "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",      "CAP_NET_RAW",        "CAP_IPC_LOCK",           "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",     "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",         "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",      "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",           "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",   "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",     "CAP_MKNOD",
    "CAP_LEASE",          "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",      "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",      "CAP_SYSLOG",             "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",     "CAP_PERFMON",            "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define NCAPS (int)(sizeof cap_names / sizeof cap_names[0])

int cap_from_name(const char *name) {
  for (int i = 0; i < NCAPS; i++)
    if (!strcasecmp(name, cap_names[i]))
      return i;
  return -1;
}

int cap_last(void) {
  static int last = -1;
  if (last < 0) {
    char *t = read_file("/proc/sys/kernel/cap_last_cap", 64, NULL);
    long v;
    if (t) {
      t[strcspn(t, "\n")] = 0;
      if (parse_long(t, 0, 63, &v) == 0)
        last = (int)v;
    }
    if (last < 0)
      last = NCAPS - 1;
  }
  return last;
}

void caps_drop_bounding(unsigned long long keep) {
  for (int cap = 0; cap <= cap_last(); cap++) {
    if (keep & (1ULL << cap))
      continue;
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) <= 0)
      continue; /* not in our own bounding set (or unknown to the kernel) */
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      fail_errno("stage1: dropping %s from the bounding set",
                 cap < NCAPS ? cap_names[cap] : "a capability");
  }
}

void caps_clear_inheritable(void) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) != 0)
    fail_errno("stage1: capget");
  d[0].inheritable = d[1].inheritable = 0;
  if (syscall(SYS_capset, &h, d) != 0)
    fail_errno("stage1: clearing the inheritable capabilities");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    fail_errno("stage1: clearing the ambient capabilities");
}
