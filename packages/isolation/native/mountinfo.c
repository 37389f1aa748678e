/* Reading /proc/self/mountinfo (mount points only). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
        r[3] <= '7') {
      *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
      r += 3;
    } else {
      *w++ = *r;
    }
  }
  *w = 0;
}

int mountinfo_read(struct mount_entry **out, size_t *n) {
  size_t len;
  char *text = read_file("/proc/self/mountinfo", 64u << 20, &len);
  if (!text)
    return -1;
  struct mount_entry *v = NULL;
  size_t cnt = 0, cap = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    /* id parent major:minor root mountpoint options ... */
    char *f[5];
    char *s = line;
    int k = 0;
    while (k < 5 && s) {
      f[k++] = s;
      s = strchr(s, ' ');
      if (s)
        *s++ = 0;
    }
    if (k < 5)
      continue;
    if (cnt == cap) {
      cap = cap ? cap * 2 : 64;
      v = xrealloc(v, cap * sizeof *v);
    }
    v[cnt].id = atoi(f[0]);
    v[cnt].parent = atoi(f[1]);
    unescape_octal(f[4]);
    v[cnt].mountpoint = xstrdup(f[4]);
    cnt++;
  }
  free(text);
  *out = v;
  *n = cnt;
  return 0;
}

void mountinfo_free(struct mount_entry *m, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(m[i].mountpoint);
  free(m);
}

/* True when path equals base or lies below it (base without a trailing slash, "/" allowed). */
int path_at_or_below(const char *path, const char *base) {
  size_t bl = strlen(base);
  while (bl > 1 && base[bl - 1] == '/')
    bl--;
  if (bl == 1 && base[0] == '/')
    return path[0] == '/';
  return strncmp(path, base, bl) == 0 && (path[bl] == 0 || path[bl] == '/');
}
