/* Small helpers: errors, allocation, percent encoding, field splitting, numbers, files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static void vmsg(const char *fmt, va_list ap, int with_errno) {
  int e = errno;
  char msg[4096];
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  if (n < 0)
    n = 0;
  if ((size_t)n >= sizeof msg)
    n = sizeof msg - 1;
  if (with_errno)
    n += snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(e));
  if ((size_t)n >= sizeof msg - 1)
    n = sizeof msg - 2;
  msg[n++] = '\n';
  write_all(2, msg, (size_t)n);
}

void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg(fmt, ap, 0);
  va_end(ap);
  _exit(EXIT_RKT);
}

void fail_errno(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmsg(fmt, ap, 1);
  va_end(ap);
  _exit(EXIT_RKT);
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    fail("rkt-isolation: out of memory");
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p)
    fail("rkt-isolation: out of memory");
  return p;
}

char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...) {
  va_list ap;
  char *s;
  va_start(ap, fmt);
  int r = vasprintf(&s, fmt, ap);
  va_end(ap);
  if (r < 0)
    fail("rkt-isolation: out of memory");
  return s;
}

#define E(x) [x] = #x
static const char *const errno_names[] = {
    E(EPERM),        E(ENOENT),          E(ESRCH),         E(EINTR),           E(EIO),
    E(ENXIO),        E(E2BIG),           E(ENOEXEC),       E(EBADF),           E(ECHILD),
    E(EAGAIN),       E(ENOMEM),          E(EACCES),        E(EFAULT),          E(ENOTBLK),
    E(EBUSY),        E(EEXIST),          E(EXDEV),         E(ENODEV),          E(ENOTDIR),
    E(EISDIR),       E(EINVAL),          E(ENFILE),        E(EMFILE),          E(ENOTTY),
    E(ETXTBSY),      E(EFBIG),           E(ENOSPC),        E(ESPIPE),          E(EROFS),
    E(EMLINK),       E(EPIPE),           E(EDOM),          E(ERANGE),          E(EDEADLK),
    E(ENAMETOOLONG), E(ENOLCK),          E(ENOSYS),        E(ENOTEMPTY),       E(ELOOP),
    E(ENOMSG),       E(EIDRM),           E(ECHRNG),        E(EL2NSYNC),        E(EL3HLT),
    E(EL3RST),       E(ELNRNG),          E(EUNATCH),       E(ENOCSI),          E(EL2HLT),
    E(EBADE),        E(EBADR),           E(EXFULL),        E(ENOANO),          E(EBADRQC),
    E(EBADSLT),      E(EBFONT),          E(ENOSTR),        E(ENODATA),         E(ETIME),
    E(ENOSR),        E(ENONET),          E(ENOPKG),        E(EREMOTE),         E(ENOLINK),
    E(EADV),         E(ESRMNT),          E(ECOMM),         E(EPROTO),          E(EMULTIHOP),
    E(EDOTDOT),      E(EBADMSG),         E(EOVERFLOW),     E(ENOTUNIQ),        E(EBADFD),
    E(EREMCHG),      E(ELIBACC),         E(ELIBBAD),       E(ELIBSCN),         E(ELIBMAX),
    E(ELIBEXEC),     E(EILSEQ),          E(ERESTART),      E(ESTRPIPE),        E(EUSERS),
    E(ENOTSOCK),     E(EDESTADDRREQ),    E(EMSGSIZE),      E(EPROTOTYPE),      E(ENOPROTOOPT),
    E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP), E(EPFNOSUPPORT),     E(EAFNOSUPPORT),
    E(EADDRINUSE),   E(EADDRNOTAVAIL),   E(ENETDOWN),      E(ENETUNREACH),     E(ENETRESET),
    E(ECONNABORTED), E(ECONNRESET),      E(ENOBUFS),       E(EISCONN),         E(ENOTCONN),
    E(ESHUTDOWN),    E(ETOOMANYREFS),    E(ETIMEDOUT),     E(ECONNREFUSED),    E(EHOSTDOWN),
    E(EHOSTUNREACH), E(EALREADY),        E(EINPROGRESS),   E(ESTALE),          E(EUCLEAN),
    E(ENOTNAM),      E(ENAVAIL),         E(EISNAM),        E(EREMOTEIO),       E(EDQUOT),
    E(ENOMEDIUM),    E(EMEDIUMTYPE),     E(ECANCELED),     E(ENOKEY),          E(EKEYEXPIRED),
    E(EKEYREVOKED),  E(EKEYREJECTED),    E(EOWNERDEAD),    E(ENOTRECOVERABLE), E(ERFKILL),
    E(EHWPOISON),
};
#undef E

const char *errno_name(int e) {
  if (e > 0 && (size_t)e < sizeof errno_names / sizeof errno_names[0] && errno_names[e])
    return errno_names[e];
  return "EUNKNOWN";
}

int errno_from_name(const char *name) {
  /* Aliases the table cannot hold (same numbers as their main names). */
  static const struct {
    const char *alias, *name;
  } aliases[] = {{"EWOULDBLOCK", "EAGAIN"}, {"EDEADLOCK", "EDEADLK"}, {"ENOTSUP", "EOPNOTSUPP"}};
  for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
    if (!strcmp(name, aliases[i].alias))
      name = aliases[i].name;
  for (size_t e = 1; e < sizeof errno_names / sizeof errno_names[0]; e++)
    if (errno_names[e] && !strcmp(errno_names[e], name))
      return (int)e;
  return -1;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int pct_decode(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r != '%') {
      *w++ = *r;
      continue;
    }
    int hi = hexval((unsigned char)r[1]);
    int lo = hi < 0 ? -1 : hexval((unsigned char)r[2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
      return -1;
    *w++ = (char)(hi * 16 + lo);
    r += 2;
  }
  *w = 0;
  return 0;
}

static int needs_escape(unsigned char c) { return c == '%' || c < 0x21 || c == 0x7f; }

size_t pct_encoded_len(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += needs_escape((unsigned char)*s) ? 3 : 1;
  return n;
}

char *pct_encode_to(char *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (needs_escape(c)) {
      *out++ = '%';
      *out++ = hex[c >> 4];
      *out++ = hex[c & 15];
    } else {
      *out++ = (char)c;
    }
  }
  return out;
}

void buf_reserve(struct buf *b, size_t extra) {
  if (b->len + extra + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
      cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
  }
}

void buf_add(struct buf *b, const char *s, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

void buf_adds(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

void buf_add_encoded(struct buf *b, const char *s) {
  buf_reserve(b, pct_encoded_len(s));
  b->len = (size_t)(pct_encode_to(b->p + b->len, s) - b->p);
  b->p[b->len] = 0;
}

int split_fields(char *s, const char *seps, char **fields, int max) {
  int n = 0;
  for (;;) {
    if (n == max)
      return -1;
    fields[n++] = s;
    size_t k = strcspn(s, seps);
    if (!s[k])
      return n;
    s[k] = 0;
    s += k + 1;
  }
}

char *next_spec_line(char **next, int *lineno) {
  while (*next) {
    char *l = *next;
    char *nl = strchr(l, '\n');
    *next = nl ? nl + 1 : NULL;
    if (nl)
      *nl = 0;
    ++*lineno;
    if (*l && *l != '#')
      return l;
  }
  return NULL;
}

int pct_decode_fields(char **fields, int n) {
  for (int i = 0; i < n; i++)
    if (pct_decode(fields[i]) != 0)
      return i + 1;
  return 0;
}

int parse_ulong(const char *s, int base, unsigned long max, unsigned long *out) {
  if (!*s || *s == '-' || *s == '+' || *s == ' ')
    return -1;
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, base);
  if (errno || *end || v > max)
    return -1;
  *out = v;
  return 0;
}

int parse_long(const char *s, long min, long max, long *out) {
  if (!*s || *s == ' ' || *s == '+')
    return -1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

int write_file_atomic(const char *path, const char *content) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return -1;
  if (write_all(fd, content, strlen(content)) != 0) {
    int e = errno;
    close(fd);
    unlink(tmp);
    errno = e;
    return -1;
  }
  if (close(fd) != 0 || rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    errno = e;
    return -1;
  }
  return 0;
}

int mkdir_p(const char *path, mode_t mode) {
  char *p = xstrdup(path);
  int r = 0;
  for (char *s = p + 1;; s++) {
    if (*s == '/' || !*s) {
      char c = *s;
      *s = 0;
      if (mkdir(p, mode) != 0 && errno != EEXIST) {
        r = -1;
        break;
      }
      *s = c;
      if (!c)
        break;
    }
  }
  if (r == 0) {
    struct stat st;
    if (stat(path, &st) != 0)
      r = -1;
    else if (!S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      r = -1;
    }
  }
  int e = errno;
  free(p);
  errno = e;
  return r;
}

char *read_file(const char *path, size_t max, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  size_t cap = 4096, n = 0;
  char *b = xmalloc(cap);
  for (;;) {
    if (n + 1 >= cap) {
      if (cap >= max) {
        free(b);
        close(fd);
        errno = EFBIG;
        return NULL;
      }
      cap *= 2;
      b = xrealloc(b, cap);
    }
    ssize_t r = read(fd, b + n, cap - n - 1);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      int e = errno;
      free(b);
      close(fd);
      errno = e;
      return NULL;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  close(fd);
  b[n] = 0;
  if (len)
    *len = n;
  return b;
}

ssize_t send_with_fds(int sock, const void *data, size_t len, const int *fds, int nfds) {
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)];
    struct cmsghdr align;
  } cm;
  if (nfds > MAX_PASSED_FDS) {
    errno = EINVAL;
    return -1;
  }
  memset(&cm, 0, sizeof cm);
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
                     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
  ssize_t w;
  do
    w = sendmsg(sock, &m, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  return w;
}

ssize_t recv_with_fds(int sock, void *data, size_t len, int *fds, int *nfds, int max) {
  union {
    char buf[CMSG_SPACE(sizeof(int) * MAX_PASSED_FDS)];
    struct cmsghdr align;
  } cm;
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf};
  ssize_t n;
  do
    n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  int extra = (m.msg_flags & MSG_CTRUNC) != 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (*nfds < max) {
        fds[(*nfds)++] = got;
      } else {
        close(got);
        extra = 1;
      }
    }
  }
  if (extra) {
    errno = EPROTO;
    return -1;
  }
  return n;
}
