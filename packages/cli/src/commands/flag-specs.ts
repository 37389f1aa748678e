// Flag tables of the pod commands. Data only: the command table imports these at start-up.
import type { FlagSpec } from "../flags.js";

/** rkt's stage1 selection flags; at most one may be given (see stage1Selection). */
export const STAGE1_FLAGS: FlagSpec[] = [
  { name: "stage1-url", type: "string", usage: "URL of an image to use as stage1 (http, https or file; file also takes a packed plugin)" },
  { name: "stage1-path", type: "string", usage: "absolute or relative path to a stage1 plugin directory, a packed plugin (.tgz) or an image to use as stage1" },
  { name: "stage1-name", type: "string", usage: "name and optional version (NAME[:VERSION]) of an installed stage1 plugin, or of a stage1 image (from the store, else found by discovery)" },
  { name: "stage1-hash", type: "string", usage: "hash of an image in the store to use as stage1" },
  { name: "stage1-from-dir", type: "string", usage: "filename of an image in the stage1 images directory to use as stage1" },
];

/** rkt's older spellings of --pull-policy=never and --pull-policy=update. */
const STORE_FLAGS: FlagSpec[] = [
  { name: "store-only", type: "bool", default: "false", deprecated: "please use --pull-policy=never", usage: "use only available images in the store" },
  { name: "no-store", type: "bool", default: "false", deprecated: "please use --pull-policy=update", usage: "fetch images ignoring the local store" },
];

export const PREPARE_POD_FLAGS: FlagSpec[] = [
  ...STAGE1_FLAGS,
  { name: "pod-manifest", type: "string", usage: "the path to a pod manifest to use instead of images and app flags; then only --net, --no-overlay, --interactive and the other runtime flags have effect" },
  { name: "volume", type: "stringArray", usage: "volumes to make available in the pod: NAME,kind=host,source=PATH[,readOnly=BOOL][,recursive=BOOL] or NAME,kind=empty[,mode=0755][,uid=0][,gid=0][,readOnly=BOOL]" },
  { name: "set-env", type: "stringArray", usage: "an environment variable to set for apps, in the form NAME=VALUE" },
  { name: "set-env-file", type: "stringArray", usage: "path to an environment variables file" },
  { name: "inherit-env", type: "bool", default: "false", usage: "inherit all environment variables not set by apps (but NODE_* and LD_*, which rkt does not take from its caller)" },
  { name: "no-overlay", type: "bool", default: "false", usage: "disable overlay filesystem" },
  { name: "pull-policy", type: "string", default: "new", usage: "when to pull an image: new, update or never" },
  ...STORE_FLAGS,
  { name: "uuid-file-save", type: "string", usage: "write out pod UUID to specified file" },
  { name: "port", type: "stringArray", usage: "ports to forward: NAME:[HOSTIP:]HOSTPORT, NAME being an app port's name (see the image's ports)" },
];

/** The runtime flags: run and run-prepared take them, prepare does not. */
export const RUNTIME_FLAGS: FlagSpec[] = [
  { name: "interactive", type: "bool", default: "false", usage: "run pod interactively: stdin passes through to the app (one app only)" },
  { name: "hostname", type: "string", usage: `pod's hostname (default "rkt-<uuid>")` },
  { name: "net", type: "stringArray", optionalValue: "default", usage: "configure the pod's networking: host, none, default, or CNI network names, each NAME[:K=V;K2=V2]" },
  { name: "ipc", type: "string", default: "auto", usage: "IPC namespace of the pod: auto, private (its own) or parent (the host's)" },
  { name: "dns", type: "stringArray", usage: "name servers to write in /etc/resolv.conf; 'host' to use the host's resolv.conf, 'none' to write none" },
  { name: "dns-search", type: "stringArray", usage: "DNS search domains to write in /etc/resolv.conf" },
  { name: "dns-opt", type: "stringArray", usage: "DNS options to write in /etc/resolv.conf" },
  { name: "dns-domain", type: "string", usage: "DNS domain to write in /etc/resolv.conf" },
  { name: "hosts-entry", type: "stringArray", usage: "entries to add to the pod-wide /etc/hosts (IP=HOSTNAME[,...]); 'host' to use the host's /etc/hosts" },
  { name: "mds-register", type: "bool", default: "false", usage: "register pod with metadata service (rkt metadata-service). needs network connectivity to the host (--net=(default|default-restricted|host))" },
];

export const RUN_POD_FLAGS: FlagSpec[] = [...PREPARE_POD_FLAGS, ...RUNTIME_FLAGS];

export const UUID_FILE_FLAG: FlagSpec = { name: "uuid-file", type: "string", usage: "read pod UUID from file instead of argument" };

export const APP_FLAGS: FlagSpec[] = [
  { name: "signature", type: "string", usage: "local signature file to use in validating the preceding image" },
  { name: "name", type: "string", usage: "set the name of the app (default: the last part of the image name)" },
  { name: "exec", type: "string", usage: "override the exec command for the preceding image" },
  { name: "working-dir", type: "string", usage: "override the working directory of the preceding image" },
  { name: "user", type: "string", usage: "user override for the preceding image (uid, name from the image's /etc/passwd, or path)" },
  { name: "group", type: "string", usage: "group override for the preceding image (gid, name from the image's /etc/group, or path)" },
  { name: "supplementary-gids", type: "string", usage: "supplementary group IDs override for the preceding image (e.g. 10,20)" },
  { name: "environment", type: "stringArray", usage: "set the app's environment variables (NAME=VALUE)" },
  { name: "annotation", type: "stringArray", usage: "set the app's annotations (NAME=VALUE)" },
  { name: "user-annotation", type: "stringArray", usage: "set the app's user annotations (NAME=VALUE)" },
  { name: "user-label", type: "stringArray", usage: "set the app's user labels (NAME=VALUE)" },
  { name: "mount", type: "stringArray", usage: "mount point binding a volume to a path within an app: volume=NAME,target=PATH" },
  { name: "readonly-rootfs", type: "bool", usage: "mount the app's root filesystem read-only" },
  { name: "memory", type: "string", usage: "memory limit for the preceding image (example: '--memory=16Mi', '--memory=50M', '--memory=1G')" },
  { name: "cpu", type: "string", usage: "cpu limit for the preceding image (example: '--cpu=500m')" },
  { name: "cpu-shares", type: "string", usage: "cpu-shares assigns the specified CPU time share weight (example: '--cpu-shares=2048')" },
  { name: "oom-score-adj", type: "string", usage: "oom-score-adj isolator override (-1000 to 1000)" },
  { name: "caps-retain", type: "string", usage: "capability to retain (example: '--caps-retain=CAP_SYS_ADMIN')" },
  { name: "caps-remove", type: "string", usage: "capability to remove (example: '--caps-remove=CAP_MKNOD')" },
  { name: "cap-retain", type: "string", hidden: true, usage: "deprecated: use --caps-retain" },
  { name: "cap-remove", type: "string", hidden: true, usage: "deprecated: use --caps-remove" },
  { name: "seccomp", type: "string", usage: "seccomp filter override (example: '--seccomp mode=retain,errno=EPERM,chmod,chown')" },
];

export const FETCH_FLAGS: FlagSpec[] = [
  { name: "signature", type: "string", usage: "local signature file to use in validating the preceding image" },
  { name: "pull-policy", type: "string", default: "update", usage: "when to pull an image: new, update or never" },
  ...STORE_FLAGS,
  { name: "full", type: "bool", default: "false", usage: "print the full image hash after fetching" },
];

/** The only app flag `rkt fetch` takes. */
export const FETCH_APP_FLAGS: FlagSpec[] = FETCH_FLAGS.filter((f) => f.name === "signature");
