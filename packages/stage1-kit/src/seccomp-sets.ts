// The named seccomp sets rkt knows (its seccomp guide), as syscall names. They are written
// into the isolation helper's spec as plain names, so the native side only maps names to
// numbers (names its libseccomp does not know are skipped: 32-bit variants, newer calls).

/**
 * Docker's default whitelist of 2016, which rkt adopted unchanged as @rkt/default-whitelist
 * (`personality` and `clone` are argument-filtered by Docker, allowed whole by rkt).
 */
const DOCKER_WHITELIST_2016: readonly string[] = [
  "_llseek", "_newselect", "accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk",
  "capget", "capset", "chdir", "chmod", "chown", "chown32", "chroot", "clock_getres",
  "clock_gettime", "clock_nanosleep", "clone", "close", "connect", "copy_file_range", "creat",
  "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
  "epoll_pwait", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
  "exit", "exit_group", "faccessat", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
  "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64",
  "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat",
  "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
  "futimesat", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64",
  "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
  "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
  "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage",
  "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32",
  "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
  "io_cancel", "io_destroy", "io_getevents", "io_setup", "io_submit", "ioctl", "ioprio_get",
  "ioprio_set", "ipc", "kill", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
  "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
  "memfd_create", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2",
  "mlockall", "mmap", "mmap2", "modify_ldt", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
  "mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
  "msgsnd", "msync", "munlock", "munlockall", "munmap", "nanosleep", "newfstatat", "open",
  "openat", "pause", "personality", "pipe", "pipe2", "poll", "ppoll", "prctl", "pread64",
  "preadv", "prlimit64", "pselect6", "pwrite64", "pwritev", "read", "readahead", "readlink",
  "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmsg", "remap_file_pages",
  "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rt_sigaction",
  "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
  "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min",
  "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler",
  "sched_rr_get_interval", "sched_setaffinity", "sched_setattr", "sched_setparam",
  "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
  "semtimedop", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
  "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32", "setfsuid",
  "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid",
  "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
  "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid", "setuid32", "setxattr",
  "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
  "sigreturn", "socket", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
  "statfs64", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "syslog",
  "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
  "timer_settime", "timerfd_create", "timerfd_gettime", "timerfd_settime", "times", "tkill",
  "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime",
  "utimensat", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
];

/**
 * Calls that appeared after rkt's list was frozen and that today's C libraries make on
 * their own (glibc >= 2.35 registers rseq in every process, uses clone3 for threads and
 * posix_spawn, statx and faccessat2 for stat/access, close_range...). rkt's whitelist with
 * its default action (kill) would kill every modern binary at start; they are added to the
 * rkt and Docker whitelists here. None of them gives more power than its older sibling.
 */
const MODERN_LIBC_CALLS: readonly string[] = [
  "rseq", "clone3", "statx", "faccessat2", "close_range", "openat2", "epoll_pwait2",
  "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "membarrier", "preadv2", "pwritev2",
  "futex_waitv", "process_madvise", "pkey_alloc", "pkey_free", "pkey_mprotect",
  "clock_gettime64", "clock_nanosleep_time64", "clock_getres_time64", "futex_time64",
  "ppoll_time64", "pselect6_time64", "recvmmsg_time64", "rt_sigtimedwait_time64",
  "semtimedop_time64", "timer_gettime64", "timer_settime64", "timerfd_gettime64",
  "timerfd_settime64", "utimensat_time64", "mq_timedreceive_time64", "mq_timedsend_time64",
  "sched_rr_get_interval_time64", "io_pgetevents", "io_pgetevents_time64",
];

/** Docker's 2016 default blacklist, rkt's @rkt/default-blacklist too. */
const DOCKER_BLACKLIST_2016: readonly string[] = [
  "_sysctl", "acct", "add_key", "adjtimex", "bpf", "clock_adjtime", "clock_settime",
  "create_module", "delete_module", "finit_module", "get_kernel_syms", "get_mempolicy",
  "init_module", "ioperm", "iopl", "kcmp", "kexec_file_load", "kexec_load", "keyctl",
  "lookup_dcookie", "mbind", "mount", "move_pages", "name_to_handle_at", "nfsservctl",
  "open_by_handle_at", "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev",
  "ptrace", "query_module", "quotactl", "reboot", "request_key", "set_mempolicy", "setns",
  "settimeofday", "stime", "swapoff", "swapon", "sysfs", "umount", "umount2", "unshare",
  "uselib", "userfaultfd", "ustat", "vm86", "vm86old",
];

/** The mount API of Linux 5.2, blacklisted along with mount(2). */
const NEW_MOUNT_API: readonly string[] = ["fsconfig", "fsmount", "fsopen", "fspick", "move_mount", "open_tree", "mount_setattr"];

const WHITELIST = [...DOCKER_WHITELIST_2016, ...MODERN_LIBC_CALLS];
const BLACKLIST = [...DOCKER_BLACKLIST_2016, ...NEW_MOUNT_API];

/** The sets each wildcard stands for. @appc.io/all and @appc.io/empty are handled apart. */
export const SECCOMP_NAMED_SETS: Readonly<Record<string, readonly string[]>> = {
  "@rkt/default-whitelist": WHITELIST,
  "@docker/default-whitelist": WHITELIST,
  "@rkt/default-blacklist": BLACKLIST,
  "@docker/default-blacklist": BLACKLIST,
};

/** The whitelist an app gets when it has no seccomp isolator. */
export const DEFAULT_SECCOMP_WHITELIST: readonly string[] = WHITELIST;
