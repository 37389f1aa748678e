/* The stdio of a process whose input and output cross the control channel as frames (vm.h):
 * a pseudo-terminal whose master we hold, or pipes; read and written without blocking, stdin
 * flow-controlled with VF_IN_ACK. The kvm guest init relays the pod's own stdio with it, the
 * pod init (ctl.c) the sessions of rkt enter that cannot be handed file descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "common.h"
#include "relay.h"
#include "vm.h"

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static void close_fd(int *fd) {
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

void relay_reset(struct relay *r) {
  memset(r, 0, sizeof *r);
  r->in_fd = r->out_fd = r->err_fd = r->slave_fd = -1;
}

static int open_pty(int *master, char **slave, unsigned rows, unsigned cols) {
  int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return -1;
  char *name = grantpt(m) == 0 && unlockpt(m) == 0 ? ptsname(m) : NULL;
  if (!name) {
    close(m);
    return -1;
  }
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  if (rows && cols)
    ioctl(m, TIOCSWINSZ, &ws);
  *master = m;
  *slave = xstrdup(name);
  return 0;
}

int relay_open(struct relay *r, struct stdio_plan *p, int tty, int with_stdin, unsigned rows,
               unsigned cols) {
  memset(p, 0, sizeof *p);
  p->in_r = p->out_w = p->err_w = -1;
  if (tty) {
    int m;
    if (open_pty(&m, &p->slave, rows, cols) != 0)
      return -1;
    p->tty = 1;
    r->tty = 1;
    r->in_fd = r->out_fd = m;
    /* Held until the process is reaped: a master whose slave was never opened reads as hung up. */
    r->slave_fd = open(p->slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (r->slave_fd < 0)
      return -1;
    set_nonblock(m);
    return 0;
  }
  int o[2], e[2], i[2] = {-1, -1};
  if (pipe2(o, O_CLOEXEC) != 0)
    return -1;
  if (pipe2(e, O_CLOEXEC) != 0) {
    close(o[0]);
    close(o[1]);
    return -1;
  }
  if (with_stdin && pipe2(i, O_CLOEXEC) != 0) {
    close(o[0]);
    close(o[1]);
    close(e[0]);
    close(e[1]);
    return -1;
  }
  r->out_fd = o[0];
  r->err_fd = e[0];
  r->in_fd = i[1];
  p->out_w = o[1];
  p->err_w = e[1];
  p->in_r = i[0];
  set_nonblock(o[0]);
  set_nonblock(e[0]);
  if (i[1] >= 0)
    set_nonblock(i[1]);
  return 0;
}

int relay_child_stdio(const struct stdio_plan *p, int new_session) {
  if (new_session && setsid() < 0)
    return -1;
  if (p->tty) {
    int fd = open(p->slave, O_RDWR);
    if (fd < 0)
      return -1;
    if (new_session && ioctl(fd, TIOCSCTTY, 0) != 0)
      return -1;
    if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
      return -1;
    if (fd > 2)
      close(fd);
    return 0;
  }
  int in = p->in_r >= 0 ? p->in_r : open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in < 0 || dup2(in, 0) < 0 || dup2(p->out_w, 1) < 0 || dup2(p->err_w, 2) < 0)
    return -1;
  return 0;
}

void relay_plan_close(struct stdio_plan *p) {
  close_fd(&p->in_r);
  close_fd(&p->out_w);
  close_fd(&p->err_w);
  free(p->slave);
  p->slave = NULL;
}

/* The end of one output stream. With a terminal, output and input share the master. */
static void out_eof(struct relay *r, int *fd) {
  if (r->tty && fd == &r->out_fd) {
    r->out_fd = -1;
    close_fd(&r->in_fd);
    return;
  }
  close_fd(fd);
}

void relay_read(struct relay *r, int *fd, int type, unsigned chan, struct vm_queue *q) {
  static char buf[VM_FRAME_MAX];
  ssize_t n = read(*fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0) { /* end of file; EIO on a pty master whose slaves are all closed */
    out_eof(r, fd);
    return;
  }
  vm_queue_frame(q, type, chan, buf, (size_t)n);
}

static void ack(unsigned chan, size_t n, struct vm_queue *q) {
  unsigned char a[4];
  vm_put_u32(a, (uint32_t)n);
  vm_queue_frame(q, VF_IN_ACK, chan, a, 4);
}

void relay_flush_in(struct relay *r, unsigned chan, struct vm_queue *q) {
  if (r->in_fd < 0) {
    size_t n = vm_queue_pending(&r->inq);
    if (n > 0) { /* nobody reads any more: acknowledge, so that the sender is not stuck */
      ack(chan, n, q);
      r->inq.off = r->inq.len = 0;
    }
    return;
  }
  size_t before = vm_queue_pending(&r->inq);
  if (vm_queue_flush(&r->inq, r->in_fd) != 0) {
    r->inq.off = r->inq.len = 0; /* EPIPE: the reader is gone */
    if (!r->tty)
      close_fd(&r->in_fd);
  }
  size_t done = before - vm_queue_pending(&r->inq);
  if (done > 0)
    ack(chan, done, q);
  if (r->in_eof && vm_queue_pending(&r->inq) == 0 && !r->tty)
    close_fd(&r->in_fd);
}

void relay_input(struct relay *r, const void *p, size_t n, unsigned chan, struct vm_queue *q) {
  vm_queue_add(&r->inq, p, n);
  relay_flush_in(r, chan, q);
}

void relay_winsz(struct relay *r, const unsigned char *p, size_t n) {
  if (!r->tty || n != 4)
    return;
  struct winsize ws = {.ws_row = (unsigned short)(p[0] | p[1] << 8),
                       .ws_col = (unsigned short)(p[2] | p[3] << 8)};
  ioctl(r->out_fd >= 0 ? r->out_fd : r->in_fd, TIOCSWINSZ, &ws);
}

int relay_wants_write(const struct relay *r) {
  return r->in_fd >= 0 && vm_queue_pending(&r->inq) > 0;
}

void relay_close(struct relay *r) {
  if (r->tty && r->in_fd == r->out_fd)
    r->in_fd = -1;
  close_fd(&r->in_fd);
  close_fd(&r->out_fd);
  close_fd(&r->err_fd);
  close_fd(&r->slave_fd);
  free(r->inq.p);
  memset(&r->inq, 0, sizeof r->inq);
}
