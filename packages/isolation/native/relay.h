/* rkt-isolation: a process's stdio relayed as frames of the control channel (relay.c). */
#ifndef RKT_ISOLATION_RELAY_H
#define RKT_ISOLATION_RELAY_H

#include <stddef.h>

#include "vm.h"

/* Our ends of the process's stdio. With a terminal, in_fd and out_fd are the same pty master. */
struct relay {
  int in_fd;    /* where its stdin goes; -1 */
  int out_fd;   /* its stdout (the master with a terminal); -1 at end of file */
  int err_fd;   /* its stderr; -1 */
  int tty;
  int slave_fd; /* our own fd of the pty's slave, held until the process is reaped */
  int in_eof;   /* close in_fd once inq is written */
  struct vm_queue inq;
};

/* The process's ends, between relay_open and the fork. */
struct stdio_plan {
  int tty;
  char *slave;
  int in_r, out_w, err_w; /* in_r -1: /dev/null */
};

void relay_reset(struct relay *r);
/* A terminal of rows x cols (its slave the process's stdin, stdout and stderr), or pipes (stdin
 * only with with_stdin, else /dev/null). 0, or -1 with errno. */
int relay_open(struct relay *r, struct stdio_plan *p, int tty, int with_stdin, unsigned rows,
               unsigned cols);
/* In the child: its stdio from the plan; new_session makes it a session leader whose
 * controlling terminal is the pty. 0, or -1 with errno. */
int relay_child_stdio(const struct stdio_plan *p, int new_session);
/* In the parent, after the fork: closes the child's ends. */
void relay_plan_close(struct stdio_plan *p);
/* Reads what *fd (out_fd or err_fd) has once, queued as a frame of type on chan; end of file
 * closes it. */
void relay_read(struct relay *r, int *fd, int type, unsigned chan, struct vm_queue *q);
/* VF_IN bytes for the process; VF_IN_ACK frames go into q as they are written. */
void relay_input(struct relay *r, const void *p, size_t n, unsigned chan, struct vm_queue *q);
/* Writes what stdin has queued, without blocking. */
void relay_flush_in(struct relay *r, unsigned chan, struct vm_queue *q);
/* VF_WINSZ: u16 rows, u16 cols of the terminal. */
void relay_winsz(struct relay *r, const unsigned char *p, size_t n);
int relay_wants_write(const struct relay *r);
void relay_close(struct relay *r);

#endif
