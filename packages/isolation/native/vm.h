/* rkt-isolation: the control channel's frames, shared by the kvm flavor's VM modes (vm,
 * vm-guest) and the pod init (ctl.c), and their clients (ctlenter.c).
 *
 * Everything crosses a byte stream as frames, so that stdout and stderr stay apart, byte for
 * byte, and an exit code arrives after the last byte of output (the stream is ordered):
 *
 *   struct vm_frame_hdr (8 bytes, little endian) followed by `len` bytes of payload.
 *
 * In a kvm pod one stream connects the pod's supervisor on the host (rkt-isolation vm) with
 * the VM's init (rkt-isolation vm-guest, PID 1 in the guest): a virtio-serial port in the
 * guest, a socketpair given to QEMU as a chardev on the host. Channel 0 is the pod (its apps'
 * stdio and its exit code); channels 1..65535 are requests to the pod init (rkt enter
 * sessions), which the guest init passes on to the pod init over a socketpair and back.
 * Clients speak the same frames to the supervisor over a unix socket, always on channel 0;
 * the supervisor renumbers them. In an nspawn pod, clients connect to the pod init's own
 * socket and speak to it directly. README.md ("Control channel") is the protocol's reference.
 *
 * Stdin is flow-controlled: a sender may have at most VM_IN_WINDOW bytes of VF_IN data that
 * the receiver has not acknowledged with VF_IN_ACK, so no side ever buffers without bound. */
#ifndef RKT_ISOLATION_VM_H
#define RKT_ISOLATION_VM_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

enum vm_frame_type {
  VF_READY = 1,   /* guest -> host: booted; the pod's init starts the apps now */
  VF_OUT = 2,     /* guest -> host: stdout bytes of the channel */
  VF_ERR = 3,     /* guest -> host: stderr bytes of the channel */
  VF_IN = 4,      /* host -> guest: stdin bytes */
  VF_IN_EOF = 5,  /* host -> guest: end of stdin */
  VF_IN_ACK = 6,  /* guest -> host: u32, stdin bytes handed to the app */
  VF_EXIT = 7,    /* guest -> host: i32 exit code of the channel (the pod's on channel 0) */
  VF_BYE = 8,     /* host -> guest: the pod's exit code has arrived: power off */
  VF_STOP = 9,    /* host -> guest: stop the pod (apps get SIGTERM, then SIGKILL) */
  VF_OPEN = 10,   /* request: start an enter session (see vm_open_* below); nspawn clients
                   * may pass their stdin, stdout and stderr with it (SCM_RIGHTS) */
  VF_WINSZ = 11,  /* host -> guest: u16 rows, u16 cols of the channel's terminal */
  VF_SIGNAL = 12, /* host -> guest: i32 signal for the session's process group */
  VF_CLOSE = 13,  /* host -> guest: the session's client went away */
};
/* Requests open a channel: VF_OPEN today, the operations of mutable pods next. A frame on a
 * channel that is not open, of a type that is neither a request the pod init knows nor one of
 * a session's (vm_frame_in_session), is answered with VF_ERR "stage1: unsupported request N"
 * and VF_EXIT 254: a client newer than the pod learns it at once. */

/* Whether a frame of this type belongs to a channel already open (it never opens one). */
int vm_frame_in_session(int type);

struct vm_frame_hdr {
  uint8_t type;
  uint8_t flags; /* 0 */
  uint16_t chan;
  uint32_t len;
};

#define VM_FRAME_MAX (64u * 1024)  /* largest payload */
#define VM_IN_WINDOW (64u * 1024)  /* unacknowledged stdin bytes per channel */
#define VM_MAX_FDS MAX_PASSED_FDS  /* fds a frame may carry (SCM_RIGHTS) */

/* Names of the virtio-serial port and the 9p share, as QEMU's command line gives them. */
#define VM_PORT_CONTROL "rkt.control"
#define VM_SHARE_TAG "rkt.root"

/* Accumulates bytes read from a stream and cuts them into frames. */
struct vm_reader {
  unsigned char *p;
  size_t len, cap, off;
};
/* Reads what fd has (once): 1 data read, 0 end of file, -1 error (errno; EAGAIN when none). */
int vm_reader_fill(struct vm_reader *r, int fd);
/* The same from a unix socket, with the fds that came with the bytes (at most max in all;
 * more is an error, EPROTO). */
int vm_reader_fill_fds(struct vm_reader *r, int fd, int *fds, int *nfds, int max);
/* The next complete frame, if any: returns 1 and points *payload into the reader's buffer
 * (valid until the next fill); 0 when incomplete; -1 when the frame is malformed. */
int vm_reader_next(struct vm_reader *r, struct vm_frame_hdr *h, const unsigned char **payload);

/* Bytes waiting to be written to a non-blocking fd. */
struct vm_queue {
  unsigned char *p;
  size_t len, cap, off;
};
void vm_queue_add(struct vm_queue *q, const void *data, size_t n);
void vm_queue_frame(struct vm_queue *q, int type, unsigned chan, const void *payload, size_t n);
size_t vm_queue_pending(const struct vm_queue *q);
/* Writes as much as fd takes without blocking: 0 ok (maybe some left), -1 error (errno). */
int vm_queue_flush(struct vm_queue *q, int fd);
/* Writes everything, waiting for fd as needed: 0 ok, -1 error. */
int vm_queue_flush_all(struct vm_queue *q, int fd);

/* The sending side of stdin (the supervisor's for the pod, ctl-enter's for its session; both
 * on channel 0, which the supervisor renumbers for a session): VF_IN frames within the
 * window the guest grants, VF_IN_EOF at the end. */
struct vm_stdin {
  int open;        /* stdin has not ended */
  uint32_t credit; /* bytes that may be sent before the guest acknowledges some */
};
/* Whether to read stdin now: it is open and the window has room. */
int vm_stdin_wants(const struct vm_stdin *s);
/* Reads what fd has (at most the credit) and queues it as VF_IN; at end of file, or on a read
 * error other than EAGAIN and EINTR, queues VF_IN_EOF and closes. */
void vm_stdin_forward(struct vm_stdin *s, int fd, struct vm_queue *q);
/* A VF_IN_ACK from the guest: n bytes reached the app, the window grows back by that much. */
void vm_stdin_acked(struct vm_stdin *s, uint32_t n);

/* Writes one frame to a blocking fd: 0 ok, -1 error. */
int vm_write_frame(int fd, int type, unsigned chan, const void *payload, size_t n);
/* The same on a unix socket, with fds attached to its first bytes (SCM_RIGHTS). */
int vm_write_frame_fds(int fd, int type, unsigned chan, const void *payload, size_t n, const int *fds,
                       int nfds);

uint32_t vm_get_u32(const unsigned char *p);
void vm_put_u32(unsigned char *p, uint32_t v);

/* A unix socket address for path; a path longer than sun_path is reached through
 * /proc/self/fd/<dir fd>/<name> (dirfd is set, the caller closes it). */
struct sockaddr_un;
int vm_unix_addr(const char *path, struct sockaddr_un *sa, int *dirfd);
/* A listening socket at path (a stale one is replaced), mode 0600, non-blocking: fd or -1. */
int vm_listen_unix(const char *path);
/* A connection to the socket at path (blocking): fd or -1. */
int vm_connect_unix(const char *path);

int64_t vm_now_ms(void); /* CLOCK_MONOTONIC */

/* Payload of VF_OPEN: NUL-terminated strings
 *   app, "tty" or "pipe", rows, cols, number of env entries, env entries..., argv...
 * built and parsed by these helpers. */
struct vm_open {
  const char *app;
  int tty;
  unsigned rows, cols;
  char **env;  /* NULL terminated */
  char **argv; /* NULL terminated */
};
struct buf;
void vm_open_payload(struct buf *out, const struct vm_open *o); /* out.p is to be freed */
int vm_open_decode(const unsigned char *p, size_t n, struct vm_open *o); /* 0 ok; allocates */
void vm_open_free(struct vm_open *o);

#endif
