import type { GlobalFlags } from "@rkt/stage0";
import type { Flags, FlagSpec } from "./flags.js";

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "dir", type: "string", usage: "rkt data directory (default \"/var/lib/rkt\", or paths.d \"data\")" },
  { name: "system-config", type: "string", default: "/usr/lib/rkt", usage: "system configuration directory" },
  { name: "local-config", type: "string", default: "/etc/rkt", usage: "local configuration directory" },
  { name: "user-config", type: "string", default: "", usage: "user configuration directory" },
  {
    name: "insecure-options",
    type: "string",
    default: "none",
    usage: "comma-separated list of security features to disable. Allowed values: \"none\", \"image\", \"tls\", \"ondisk\", \"http\", \"pubkey\", \"capabilities\", \"paths\", \"seccomp\", \"all-fetch\", \"all-run\", \"all\"",
  },
  { name: "trust-keys-from-https", type: "bool", default: "false", usage: "automatically trust gpg keys fetched from https" },
  { name: "debug", type: "bool", default: "false", usage: "print out more debug information to stderr" },
  { name: "help", type: "bool", short: "h", default: "false", usage: "help for rkt" },
];

/** The global flags, as stage0 takes them. */
export function globalOptions(flags: Flags): GlobalFlags {
  return {
    dir: flags.has("dir") ? flags.string("dir") : undefined,
    systemConfig: flags.string("system-config"),
    localConfig: flags.string("local-config"),
    userConfig: flags.string("user-config"),
    insecureOptions: flags.string("insecure-options"),
    trustKeysFromHttps: flags.bool("trust-keys-from-https"),
    debug: flags.bool("debug"),
  };
}
