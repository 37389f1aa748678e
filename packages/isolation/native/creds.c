/* Credentials of the app: supplementary groups, then gid, then uid (numeric ids only:
 * names were resolved by stage0 from the image's own /etc/passwd and /etc/group). */
#include <grp.h>
#include <unistd.h>

#include "common.h"

void creds_apply(const struct spec *s) {
  if (!s->has_uid && !s->has_gid && !s->has_groups)
    return;
  if (setgroups(s->ngroups, s->ngroups ? s->groups : NULL) != 0)
    fail_errno("stage1: setgroups");
  gid_t g = s->has_gid ? s->gid : 0;
  if (setresgid(g, g, g) != 0)
    fail_errno("stage1: setresgid(%u)", (unsigned)g);
  uid_t u = s->has_uid ? s->uid : 0;
  if (setresuid(u, u, u) != 0)
    fail_errno("stage1: setresuid(%u)", (unsigned)u);
}
