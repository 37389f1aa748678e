/* Why execve said ENOENT for a program that is there: its interpreter is missing. The ELF
 * interpreter (the dynamic loader named by PT_INTERP, /lib64/ld-linux-x86-64.so.2) of a
 * binary taken from another system, or the #! interpreter of a script. rkt's stage1 named
 * it ("Unable to open \"/lib64/ld-linux-x86-64.so.2\""), which says what the image lacks;
 * "Unable to open \"/bin/ls\"" about a file that exists does not. */
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static int elf_interpreter(int fd, char *out, size_t n) {
  Elf64_Ehdr eh;
  if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return 0;
  int is64 = eh.e_ident[EI_CLASS] == ELFCLASS64;
  if (!is64 && eh.e_ident[EI_CLASS] != ELFCLASS32)
    return 0;
  const Elf32_Ehdr *eh32 = (const Elf32_Ehdr *)&eh;
  unsigned long phoff = is64 ? eh.e_phoff : eh32->e_phoff;
  unsigned phnum = is64 ? eh.e_phnum : eh32->e_phnum;
  unsigned phentsize = is64 ? eh.e_phentsize : eh32->e_phentsize;
  if (phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) || phnum > 256)
    return 0;
  for (unsigned i = 0; i < phnum; i++) {
    Elf64_Phdr ph;
    if (pread(fd, &ph, phentsize < sizeof ph ? phentsize : sizeof ph, (off_t)(phoff + (unsigned long)i * phentsize)) <= 0)
      return 0;
    const Elf32_Phdr *ph32 = (const Elf32_Phdr *)&ph;
    unsigned long type = is64 ? ph.p_type : ph32->p_type;
    if (type != PT_INTERP)
      continue;
    unsigned long off = is64 ? ph.p_offset : ph32->p_offset, size = is64 ? ph.p_filesz : ph32->p_filesz;
    if (size == 0 || size >= n || pread(fd, out, size, (off_t)off) != (ssize_t)size)
      return 0;
    out[size] = '\0';
    return out[0] == '/';
  }
  return 0;
}

static int script_interpreter(int fd, char *out, size_t n) {
  char line[256];
  ssize_t got = pread(fd, line, sizeof line - 1, 0);
  if (got < 3 || line[0] != '#' || line[1] != '!')
    return 0;
  line[got] = '\0';
  char *p = line + 2;
  p += strspn(p, " \t");
  size_t len = strcspn(p, " \t\n");
  if (len == 0 || len >= n)
    return 0;
  memcpy(out, p, len);
  out[len] = '\0';
  return 1;
}

int missing_interpreter(const char *file, char *out, size_t n) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  int found = elf_interpreter(fd, out, n) || script_interpreter(fd, out, n);
  close(fd);
  return found && access(out, F_OK) != 0;
}
