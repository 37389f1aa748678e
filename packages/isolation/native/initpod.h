/* rkt-isolation: what the pod init (init.c) shares with its control channel (ctl.c). */
#ifndef RKT_ISOLATION_INITPOD_H
#define RKT_ISOLATION_INITPOD_H

#include <poll.h>
#include <sys/types.h>

#include "common.h"

enum app_state { A_PENDING, A_PRESTART, A_RUNNING, A_POSTSTOP, A_DONE };

struct app {
  char *name;
  struct spec s;
  const struct seccomp_prog *filter;
  int mntns; /* the app's mount namespace, for its whole pod's life (appns.c) */
  enum app_state state;
  pid_t pid; /* the process of the current state (handler or app) */
};

/* init.c */
struct app *pod_find_app(const char *name);
/* The app_exec of one of app's processes (sessions and handlers too), to be completed. */
struct app_exec pod_app_exec(const struct app *a, enum app_role role);
/* In a process just forked from the init: the signal mask and dispositions of an app. */
void pod_child_reset(void);

/* ctl.c: the init's control channel (README.md, "Control channel"). */
#define CTL_MAX_POLL 256
/* Starts serving: a listening socket at path (nspawn; NULL: none) and/or a connection the
 * init inherited (kvm: the guest init's; -1: none). Once every app is started. */
void ctl_serve(const char *path, int conn_fd);
/* New sessions are refused from now on (the pod stops). */
void ctl_stopping(void);
/* The fds to poll and what for; ctl_events() takes the same array back after poll. */
int ctl_pollfds(struct pollfd *pf, int max);
void ctl_events(const struct pollfd *pf, int n);
/* A reaped process: 1 when it was a session's. */
int ctl_reaped(pid_t pid, int code);
/* A signal to every session's process group. */
void ctl_signal_sessions(int sig);
/* The pod is over: sessions are killed and reaped, their exit codes sent (within a second). */
void ctl_finish(void);

#endif
