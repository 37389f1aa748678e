/* rkt-isolation: the native isolation helper of rkt-ts. See ../README.md. */
#include <stdio.h>
#include <string.h>

#include "common.h"

static void usage(FILE *f) {
  fputs("usage: rkt-isolation launch [ARGS...]   run the rkt CLI under the launcher (also: argv[0] = rkt)\n"
        "       rkt-isolation run SPEC-FILE      start an app as described by SPEC-FILE\n"
        "       rkt-isolation enter [--remove-spec] SPEC-FILE\n"
        "                                        run a command inside a running pod\n"
        "       rkt-isolation pod SPEC-FILE      set up a pod's host side, then exec its runtime\n"
        "       rkt-isolation init POD-SPEC-FILE run a pod's apps as its PID 1\n"
        "       rkt-isolation vm VM-SPEC-FILE    run a kvm pod: QEMU and its channels\n"
        "       rkt-isolation ctl-enter [--remove-spec] SPEC-FILE\n"
        "                                        run a command in a pod's app through its init\n"
        "       rkt-isolation vm-guest           (the init of a kvm pod's VM)\n"
        "       rkt-isolation fsops              file operations read from stdin\n"
        "       rkt-isolation version\n",
        f);
}

int main(int argc, char **argv) {
  const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
  base = base ? base + 1 : (argc > 0 ? argv[0] : "");
  if (!strcmp(base, "rkt"))
    return cmd_launch(argc - 1, argv + 1);
  if (argc < 2) {
    usage(stderr);
    return EXIT_RKT;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "launch"))
    return cmd_launch(argc - 2, argv + 2);
  if (!strcmp(cmd, "run") || !strcmp(cmd, "enter") || !strcmp(cmd, "ctl-enter")) {
    /* --remove-spec: the spec file is a one-shot (rkt enter); delete it once read. */
    int remove_spec = argc == 4 && !strcmp(argv[2], "--remove-spec");
    if (argc != 3 && !remove_spec) {
      fprintf(stderr, "rkt-isolation: usage: %s [--remove-spec] SPEC-FILE\n", cmd);
      return EXIT_RKT;
    }
    if (!strcmp(cmd, "ctl-enter"))
      return cmd_ctl_enter(argv[argc - 1], remove_spec);
    return cmd_run(argv[argc - 1], !strcmp(cmd, "enter"), remove_spec);
  }
  if (!strcmp(cmd, "pod") || !strcmp(cmd, "init")) {
    if (argc != 3) {
      fprintf(stderr, "rkt-isolation: usage: %s SPEC-FILE\n", cmd);
      return EXIT_RKT;
    }
    if (!strcmp(cmd, "pod"))
      return cmd_pod(argv[2]);
    reexec_sealed(argv);
    return cmd_init(argv[2], -1);
  }
  if (!strncmp(cmd, "vm", 2))
    return cmd_vm_dispatch(argc - 1, argv + 1);
  if (!strcmp(cmd, "fsops")) {
    if (argc != 2) {
      fputs("rkt-isolation: fsops takes no arguments\n", stderr);
      return EXIT_RKT;
    }
    return cmd_fsops();
  }
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    puts("rkt-isolation " RKT_ISOLATION_VERSION);
    return 0;
  }
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return 0;
  }
  fprintf(stderr, "rkt-isolation: unknown command \"%s\"\n", cmd);
  usage(stderr);
  return EXIT_RKT;
}
