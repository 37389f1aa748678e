// Names the Linux isolators refer to: capabilities, errno names for seccomp, and the seccomp
// wildcard groups rkt understands. Sets are built on first use, not at import.

/** Linux capabilities, in kernel order (capability.h, 0..40). */
export const LINUX_CAPABILITIES: readonly string[] = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
  "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];

/** rkt's default capability bounding set for apps without a capabilities isolator. */
export const RKT_DEFAULT_CAPABILITIES: readonly string[] = [
  "CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_KILL",
  "CAP_MKNOD", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP",
  "CAP_SETFCAP", "CAP_SYS_CHROOT",
];

/** Linux errno names a seccomp isolator may return (asm-generic errno-base.h and errno.h). */
export const LINUX_ERRNO_NAMES: readonly string[] = [
  "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
  "EAGAIN", "EWOULDBLOCK", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
  "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG",
  "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "EDEADLOCK",
  "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP", "ENOMSG", "EIDRM", "ECHRNG",
  "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI", "EL2HLT", "EBADE", "EBADR",
  "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", "EBFONT", "ENOSTR", "ENODATA", "ETIME", "ENOSR",
  "ENONET", "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT", "ECOMM", "EPROTO", "EMULTIHOP",
  "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC", "ELIBBAD",
  "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS", "ENOTSOCK",
  "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT",
  "EOPNOTSUPP", "ENOTSUP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL",
  "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN",
  "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED", "EHOSTDOWN",
  "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM", "ENAVAIL", "EISNAM",
  "EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED", "ENOKEY", "EKEYEXPIRED",
  "EKEYREVOKED", "EKEYREJECTED", "EOWNERDEAD", "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON",
];

/** Seccomp wildcard groups rkt resolves (Documentation/seccomp-guide.md). */
export const SECCOMP_WILDCARDS: readonly string[] = [
  "@appc.io/all", "@appc.io/empty",
  "@rkt/default-blacklist", "@rkt/default-whitelist",
  "@docker/default-blacklist", "@docker/default-whitelist",
  "@systemd/clock", "@systemd/default-whitelist", "@systemd/mount", "@systemd/network-io",
  "@systemd/obsolete", "@systemd/privileged", "@systemd/process", "@systemd/raw-io",
];

let capSet: Set<string> | undefined;
let errnoSet: Set<string> | undefined;
let wildcardSet: Set<string> | undefined;

export function isLinuxCapability(name: string): boolean {
  capSet ??= new Set(LINUX_CAPABILITIES);
  return capSet.has(name);
}

export function isErrnoName(name: string): boolean {
  errnoSet ??= new Set(LINUX_ERRNO_NAMES);
  return errnoSet.has(name);
}

export function isSeccompWildcard(name: string): boolean {
  wildcardSet ??= new Set(SECCOMP_WILDCARDS);
  return wildcardSet.has(name);
}

/** Why `name` is not a capability name (with a hint for `net_admin` or `NET_ADMIN`). */
export function capabilityProblem(name: string): string | undefined {
  if (isLinuxCapability(name)) return undefined;
  const guess = "CAP_" + name.toUpperCase().replace(/^CAP_/, "");
  const hint = isLinuxCapability(guess) ? ` (did you mean ${guess}?)` : "";
  return `unknown capability ${JSON.stringify(name)}${hint}`;
}

/**
 * Why `entry` cannot be in a seccomp set, or undefined. Entries are syscall names
 * (`read`, `_llseek`) or wildcard groups (`@rkt/default-whitelist`); `knownWildcardsOnly`
 * also rejects wildcards rkt does not know.
 */
export function seccompEntryProblem(entry: string, knownWildcardsOnly: boolean): string | undefined {
  if (entry.startsWith("@")) {
    if (!/^@[a-z0-9][a-z0-9\-._~/]*[a-z0-9]$/.test(entry)) return `bad seccomp wildcard ${JSON.stringify(entry)}`;
    if (knownWildcardsOnly && !isSeccompWildcard(entry)) {
      return `unknown seccomp wildcard ${JSON.stringify(entry)} (known: ${SECCOMP_WILDCARDS.join(", ")})`;
    }
    return undefined;
  }
  if (!/^[a-z_][a-z0-9_]*$/.test(entry)) return `bad syscall name ${JSON.stringify(entry)}`;
  return undefined;
}

/** Why `errno` is not an errno name a seccomp filter can return, or undefined. */
export function errnoProblem(errno: string): string | undefined {
  if (isErrnoName(errno)) return undefined;
  if (errno !== errno.toUpperCase()) return `errno must be an upper case string, got ${JSON.stringify(errno)}`;
  return `unknown errno ${JSON.stringify(errno)} (e.g. EPERM, ENOSYS)`;
}
