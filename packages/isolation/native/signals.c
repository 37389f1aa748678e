/* Forwarding of signals to a child process.
 *
 * Only signals sent by a process (kill(2), sigqueue(2): si_code <= 0) are forwarded.
 * Terminal-generated signals (SIGINT from ^C, SIGQUIT from ^\, SIGHUP on hang-up) already
 * reach the child, which shares our process group; forwarding them would deliver them twice.
 * A signal whose disposition is SIG_IGN at start is left ignored (nohup, background jobs of
 * non-interactive shells), so that an exec'd program inherits it ignored as it would without us. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define MAX_FWD 8

static volatile pid_t *fwd_target;
static int fwd_sigs[MAX_FWD];
static struct sigaction fwd_old[MAX_FWD];
static int fwd_installed[MAX_FWD];
static int fwd_n;

static void fwd_handler(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  if (si->si_code > 0)
    return;
  pid_t p = *fwd_target;
  if (p > 0) {
    int saved = errno;
    kill(p, sig);
    errno = saved;
  }
}

void sig_forward_install(const int *sigs, int n, volatile pid_t *target) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fwd_handler;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask);
  fwd_target = target;
  fwd_n = n > MAX_FWD ? MAX_FWD : n;
  for (int i = 0; i < fwd_n; i++) {
    fwd_sigs[i] = sigs[i];
    fwd_installed[i] = 0;
    if (sigaction(sigs[i], NULL, &fwd_old[i]) != 0)
      continue;
    if (!(fwd_old[i].sa_flags & SA_SIGINFO) && fwd_old[i].sa_handler == SIG_IGN)
      continue;
    if (sigaction(sigs[i], &sa, NULL) == 0)
      fwd_installed[i] = 1;
  }
}

void sig_forward_restore(void) {
  for (int i = 0; i < fwd_n; i++)
    if (fwd_installed[i]) {
      sigaction(fwd_sigs[i], &fwd_old[i], NULL);
      fwd_installed[i] = 0;
    }
}
