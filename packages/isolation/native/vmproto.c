/* The frames of the control channel (see vm.h): reading, queueing, unix sockets, the VF_OPEN
 * payload. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "vm.h"

uint32_t vm_get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void vm_put_u32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

int64_t vm_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Room for at least 64 KiB more at the end of the buffer. */
static void reader_room(struct vm_reader *r) {
  if (r->off > 0 && r->off == r->len) {
    r->off = r->len = 0;
  } else if (r->off > 64 * 1024) {
    memmove(r->p, r->p + r->off, r->len - r->off);
    r->len -= r->off;
    r->off = 0;
  }
  if (r->cap - r->len < 64 * 1024) {
    r->cap = r->cap ? r->cap * 2 : 256 * 1024;
    r->p = xrealloc(r->p, r->cap);
  }
}

int vm_reader_fill(struct vm_reader *r, int fd) {
  reader_room(r);
  ssize_t n;
  do
    n = read(fd, r->p + r->len, r->cap - r->len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -1;
  if (n == 0)
    return 0;
  r->len += (size_t)n;
  return 1;
}

int vm_reader_fill_fds(struct vm_reader *r, int fd, int *fds, int *nfds, int max) {
  reader_room(r);
  ssize_t n = recv_with_fds(fd, r->p + r->len, r->cap - r->len, fds, nfds, max);
  if (n < 0)
    return -1;
  r->len += (size_t)n;
  return n == 0 ? 0 : 1;
}

int vm_reader_next(struct vm_reader *r, struct vm_frame_hdr *h, const unsigned char **payload) {
  size_t avail = r->len - r->off;
  if (avail < sizeof *h)
    return 0;
  const unsigned char *b = r->p + r->off;
  h->type = b[0];
  h->flags = b[1];
  h->chan = (uint16_t)(b[2] | b[3] << 8);
  h->len = vm_get_u32(b + 4);
  if (h->len > VM_FRAME_MAX || h->type == 0)
    return -1;
  if (avail < sizeof *h + h->len)
    return 0;
  *payload = b + sizeof *h;
  r->off += sizeof *h + h->len;
  return 1;
}

void vm_queue_add(struct vm_queue *q, const void *data, size_t n) {
  if (q->off > 0 && q->off == q->len)
    q->off = q->len = 0;
  if (q->cap - q->len < n) {
    if (q->off > 0) {
      memmove(q->p, q->p + q->off, q->len - q->off);
      q->len -= q->off;
      q->off = 0;
    }
    while (q->cap - q->len < n)
      q->cap = q->cap ? q->cap * 2 : 64 * 1024;
    q->p = xrealloc(q->p, q->cap);
  }
  memcpy(q->p + q->len, data, n);
  q->len += n;
}

void vm_queue_frame(struct vm_queue *q, int type, unsigned chan, const void *payload, size_t n) {
  unsigned char h[8] = {(unsigned char)type, 0, (unsigned char)chan, (unsigned char)(chan >> 8)};
  vm_put_u32(h + 4, (uint32_t)n);
  vm_queue_add(q, h, sizeof h);
  if (n)
    vm_queue_add(q, payload, n);
}

size_t vm_queue_pending(const struct vm_queue *q) { return q->len - q->off; }

int vm_queue_flush(struct vm_queue *q, int fd) {
  while (q->off < q->len) {
    ssize_t n = write(fd, q->p + q->off, q->len - q->off);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        return 0;
      return -1;
    }
    q->off += (size_t)n;
  }
  q->off = q->len = 0;
  return 0;
}

int vm_queue_flush_all(struct vm_queue *q, int fd) {
  while (vm_queue_pending(q) > 0) {
    if (vm_queue_flush(q, fd) != 0)
      return -1;
    if (vm_queue_pending(q) > 0) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      if (poll(&p, 1, -1) < 0 && errno != EINTR)
        return -1;
    }
  }
  return 0;
}

int vm_stdin_wants(const struct vm_stdin *s) { return s->open && s->credit > 0; }

void vm_stdin_forward(struct vm_stdin *s, int fd, struct vm_queue *q) {
  unsigned char buf[VM_FRAME_MAX];
  ssize_t r = read(fd, buf, s->credit < sizeof buf ? s->credit : sizeof buf);
  if (r > 0) {
    vm_queue_frame(q, VF_IN, 0, buf, (size_t)r);
    s->credit -= (uint32_t)r;
  } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
    vm_queue_frame(q, VF_IN_EOF, 0, NULL, 0);
    s->open = 0;
  }
}

void vm_stdin_acked(struct vm_stdin *s, uint32_t n) {
  s->credit = s->credit + n > VM_IN_WINDOW ? VM_IN_WINDOW : s->credit + n;
}

int vm_write_frame(int fd, int type, unsigned chan, const void *payload, size_t n) {
  return vm_write_frame_fds(fd, type, chan, payload, n, NULL, 0);
}

int vm_write_frame_fds(int fd, int type, unsigned chan, const void *payload, size_t n, const int *fds, int nfds) {
  struct vm_queue q = {0};
  vm_queue_frame(&q, type, chan, payload, n);
  int r = 0;
  if (nfds > 0) { /* the fds ride on the frame's first bytes */
    ssize_t w = send_with_fds(fd, q.p, q.len, fds, nfds);
    if (w < 0)
      r = -1;
    else
      q.off = (size_t)w;
  }
  if (r == 0)
    r = vm_queue_flush_all(&q, fd);
  free(q.p);
  return r;
}

int vm_listen_unix(const char *path) {
  struct sockaddr_un sa;
  int dfd;
  if (vm_unix_addr(path, &sa, &dfd) != 0)
    return -1;
  unlink(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  /* Only root may connect: the socket is 0600 from the start (the umask applies to bind). */
  mode_t old = umask(0177);
  int r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof sa);
  umask(old);
  int e = errno;
  if (dfd >= 0)
    close(dfd);
  if (r != 0 || listen(fd, 16) != 0) {
    e = errno;
    if (fd >= 0)
      close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int vm_connect_unix(const char *path) {
  struct sockaddr_un sa;
  int dfd;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || vm_unix_addr(path, &sa, &dfd) != 0)
    return -1;
  int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
  int e = errno;
  if (dfd >= 0)
    close(dfd);
  if (r != 0) {
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int vm_unix_addr(const char *path, struct sockaddr_un *sa, int *dirfd) {
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  *dirfd = -1;
  if (strlen(path) < sizeof sa->sun_path) {
    strcpy(sa->sun_path, path);
    return 0;
  }
  const char *slash = strrchr(path, '/');
  if (!slash || strlen(slash) > 64) {
    errno = ENAMETOOLONG;
    return -1;
  }
  char *dir = slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
  *dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  free(dir);
  if (*dirfd < 0)
    return -1;
  snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d%s", *dirfd, slash);
  return 0;
}

static void add_str(struct buf *b, const char *s) { buf_add(b, s, strlen(s) + 1); }

void vm_open_payload(struct buf *out, const struct vm_open *o) {
  struct buf b = {0};
  char num[32];
  add_str(&b, o->app);
  add_str(&b, o->tty ? "tty" : "pipe");
  snprintf(num, sizeof num, "%u", o->rows);
  add_str(&b, num);
  snprintf(num, sizeof num, "%u", o->cols);
  add_str(&b, num);
  size_t nenv = 0;
  while (o->env[nenv])
    nenv++;
  snprintf(num, sizeof num, "%zu", nenv);
  add_str(&b, num);
  for (size_t i = 0; i < nenv; i++)
    add_str(&b, o->env[i]);
  for (char **a = o->argv; *a; a++)
    add_str(&b, *a);
  *out = b;
}

int vm_open_decode(const unsigned char *p, size_t n, struct vm_open *o) {
  memset(o, 0, sizeof *o);
  if (n == 0 || p[n - 1] != 0)
    return -1;
  /* Split into strings. */
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    count += p[i] == 0;
  char **s = xmalloc((count + 1) * sizeof(char *));
  size_t k = 0;
  for (size_t i = 0; i < n; i += strlen((const char *)p + i) + 1)
    s[k++] = xstrdup((const char *)p + i);
  s[k] = NULL;
  unsigned long rows, cols, nenv;
  if (k < 6 || (strcmp(s[1], "tty") && strcmp(s[1], "pipe")) ||
      parse_ulong(s[2], 10, 65535, &rows) || parse_ulong(s[3], 10, 65535, &cols) ||
      parse_ulong(s[4], 10, k, &nenv) || 5 + nenv >= k) {
    for (size_t i = 0; i < k; i++)
      free(s[i]);
    free(s);
    return -1;
  }
  o->app = s[0];
  o->tty = !strcmp(s[1], "tty");
  o->rows = (unsigned)rows;
  o->cols = (unsigned)cols;
  free(s[1]);
  free(s[2]);
  free(s[3]);
  free(s[4]);
  o->env = xmalloc((nenv + 1) * sizeof(char *));
  for (size_t i = 0; i < nenv; i++)
    o->env[i] = s[5 + i];
  o->env[nenv] = NULL;
  size_t nargv = k - 5 - nenv;
  o->argv = xmalloc((nargv + 1) * sizeof(char *));
  for (size_t i = 0; i < nargv; i++)
    o->argv[i] = s[5 + nenv + i];
  o->argv[nargv] = NULL;
  free(s);
  return 0;
}

void vm_open_free(struct vm_open *o) {
  free((char *)o->app);
  for (char **e = o->env; e && *e; e++)
    free(*e);
  for (char **a = o->argv; a && *a; a++)
    free(*a);
  free(o->env);
  free(o->argv);
  memset(o, 0, sizeof *o);
}

int vm_frame_in_session(int type) {
  switch (type) {
  case VF_OUT:
  case VF_ERR:
  case VF_IN:
  case VF_IN_EOF:
  case VF_IN_ACK:
  case VF_EXIT:
  case VF_WINSZ:
  case VF_SIGNAL:
  case VF_CLOSE:
    return 1;
  default:
    return 0;
  }
}
