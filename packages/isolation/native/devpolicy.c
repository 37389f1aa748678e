/* The device policy of a cgroup2 cgroup: a BPF_PROG_TYPE_CGROUP_DEVICE program, as runc and
 * crun attach one (cgroup2 has no devices.allow file). The kernel runs it at every mknod and
 * open of a device node by a process of the cgroup or below it; it allows what one of the
 * rules allows, everything else fails with EPERM. Written here instruction by instruction
 * (no libbpf), attached with BPF_F_ALLOW_MULTI so that the host's own programs above still
 * apply and nspawn's below may be added.
 *
 * The program reads struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type),
 * u32 major, u32 minor } and returns 1 (allow) or 0 (deny). */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT_INSN() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define R0 0
#define R1 1
#define R2 2 /* device type: BPF_DEVCG_DEV_BLOCK or BPF_DEVCG_DEV_CHAR */
#define R3 3 /* access: BPF_DEVCG_ACC_MKNOD | READ | WRITE */
#define R4 4 /* major */
#define R5 5 /* minor */

int dev_rule_parse(const char *s, struct dev_rule *r) {
  char type, acc[8];
  char maj[16], min[16];
  if (sscanf(s, "%c:%15[0-9*]:%15[0-9*]:%7[rwm]", &type, maj, min, acc) != 4 || (type != 'c' && type != 'b'))
    return -1;
  r->type = type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK;
  unsigned long v;
  r->major = !strcmp(maj, "*") ? -1 : (parse_ulong(maj, 10, 0xfff, &v) ? -2 : (long)v);
  r->minor = !strcmp(min, "*") ? -1 : (parse_ulong(min, 10, 0xfffff, &v) ? -2 : (long)v);
  if (r->major == -2 || r->minor == -2)
    return -1;
  r->access = 0;
  for (const char *a = acc; *a; a++)
    r->access |= *a == 'r' ? BPF_DEVCG_ACC_READ : *a == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
  return 0;
}

/* The program: the context's fields into r2..r5, then per rule "if it matches, allow". */
static struct bpf_insn *program(const struct dev_rule *rules, size_t n, size_t *len) {
  struct bpf_insn *p = xmalloc((6 + n * 8 + 2) * sizeof *p);
  size_t k = 0;
  p[k++] = LDX_W(R2, R1, 0);
  p[k++] = ALU32_IMM(BPF_AND, R2, 0xffff);
  p[k++] = LDX_W(R3, R1, 0);
  p[k++] = ALU32_IMM(BPF_RSH, R3, 16);
  p[k++] = LDX_W(R4, R1, 4);
  p[k++] = LDX_W(R5, R1, 8);
  for (size_t i = 0; i < n; i++) {
    const struct dev_rule *r = &rules[i];
    int all = r->access == (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE);
    /* Its length first: every test jumps past the rule's end when it fails. */
    int len_rule = 1 + (all ? 0 : 3) + (r->major >= 0) + (r->minor >= 0) + 2;
    int at = 0;
#define SKIP() ((short)(len_rule - at - 1))
    p[k++] = JNE_IMM(R2, r->type, SKIP());
    at++;
    if (!all) { /* the access asked for must be within the rule's */
      p[k++] = MOV32_REG(R1, R3);
      at++;
      p[k++] = ALU32_IMM(BPF_AND, R1, (int)~r->access);
      at++;
      p[k++] = JNE_IMM(R1, 0, SKIP());
      at++;
    }
    if (r->major >= 0) {
      p[k++] = JNE_IMM(R4, (int)r->major, SKIP());
      at++;
    }
    if (r->minor >= 0) {
      p[k++] = JNE_IMM(R5, (int)r->minor, SKIP());
      at++;
    }
#undef SKIP
    p[k++] = MOV64_IMM(R0, 1);
    p[k++] = EXIT_INSN();
  }
  p[k++] = MOV64_IMM(R0, 0);
  p[k++] = EXIT_INSN();
  *len = k;
  return p;
}

void dev_policy_attach(const char *cgroup_dir, const struct dev_rule *rules, size_t n) {
  size_t len;
  struct bpf_insn *insns = program(rules, n, &len);
  static char log[16384];
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)len;
  attr.license = (uint64_t)(uintptr_t) "";
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  int prog = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
  free(insns);
  if (prog < 0)
    fail("stage1: loading the device policy (a BPF program) for %s: %s%s%s (--insecure-options=paths runs "
         "the pod without one)",
         cgroup_dir, strerror(errno), *log ? ": " : "", log);
  int cg = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0)
    fail_errno("stage1: opening the cgroup %s", cgroup_dir);
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cg;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) != 0)
    fail("stage1: attaching the device policy to %s: %s (--insecure-options=paths runs the pod without one)",
         cgroup_dir, strerror(errno));
  /* The cgroup holds the program now, until it is removed. */
  close(cg);
  close(prog);
}
