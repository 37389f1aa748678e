// Every rkt command: name, help and flags as data; the code of a command is imported only
// when that command runs, so `rkt version` does not load the store or a stage1.
import type { CommandDef } from "../command.js";
import type { FlagSpec } from "../flags.js";
import { APP_FLAGS, FETCH_FLAGS, PREPARE_POD_FLAGS, RUN_POD_FLAGS, RUNTIME_FLAGS, UUID_FILE_FLAG } from "./flag-specs.js";

const FORMAT_FLAG: FlagSpec = { name: "format", type: "string", default: "", usage: "choose the output format: json or json-pretty" };
const PRETTY_FLAG: FlagSpec = { name: "pretty-print", type: "bool", default: "true", usage: "apply indent to format the output" };
const EXTRACT_FLAGS: FlagSpec[] = [
  { name: "rootfs-only", type: "bool", default: "false", usage: "extract the rootfs only" },
  { name: "overwrite", type: "bool", default: "false", usage: "overwrite the output directory" },
];

const IMAGE_COMMANDS: CommandDef[] = [
  {
    name: "cat-manifest",
    summary: "Inspect and print the image manifest",
    usage: "rkt image cat-manifest IMAGE",
    flags: [PRETTY_FLAG],
    load: () => import("./image-cat-manifest.js"),
  },
  {
    name: "export",
    summary: "Export a stored image to an ACI file",
    usage: "rkt image export IMAGE OUTPUT_ACI_FILE",
    flags: [{ name: "overwrite", type: "bool", default: "false", usage: "overwrite the output ACI" }],
    load: () => import("./image-export.js"),
  },
  {
    name: "extract",
    summary: "Extract a stored image to a directory",
    usage: "rkt image extract IMAGE OUTPUT_DIR",
    flags: EXTRACT_FLAGS,
    load: () => import("./image-extract.js"),
  },
  {
    name: "fetch",
    hidden: true,
    summary: "Fetch image(s) and store them in the local store",
    usage: "rkt image fetch IMAGE...",
    flags: FETCH_FLAGS,
    stopAtPositional: true,
    load: () => import("./fetch.js"),
  },
  {
    name: "gc",
    summary: "Garbage collect local store",
    usage: "rkt image gc [--grace-period=DURATION]",
    flags: [{ name: "grace-period", type: "duration", default: "24h0m0s", usage: "duration to wait since an image was last used before removing it" }],
    superuser: true,
    load: () => import("./image-gc.js"),
  },
  {
    name: "list",
    summary: "List images in the local store",
    usage: "rkt image list [flags]",
    flags: [
      { name: "fields", type: "string", default: "id,name,size,importtime,lastused", usage: "comma-separated list of fields to display: id, name, size, importtime, lastused" },
      { name: "sort", type: "stringArray", default: "importtime", usage: "sort the output by the given fields: name, importtime, lastused, size" },
      { name: "order", type: "string", default: "asc", usage: "choose the sorting order: asc or desc" },
      { name: "full", type: "bool", default: "false", usage: "use long output format" },
      { name: "no-legend", type: "bool", default: "false", usage: "suppress a legend with the list" },
      FORMAT_FLAG,
    ],
    load: () => import("./image-list.js"),
  },
  {
    name: "render",
    summary: "Render a stored image to a directory with all its dependencies",
    usage: "rkt image render IMAGE OUTPUT_DIR",
    flags: EXTRACT_FLAGS,
    load: () => import("./image-extract.js"),
  },
  {
    name: "rm",
    summary: "Remove one or more images with the given IDs or names from the local store",
    usage: "rkt image rm IMAGE...",
    load: () => import("./image-rm.js"),
  },
  {
    name: "verify",
    summary: "Verify one or more rendered images in the local store",
    usage: "rkt image verify IMAGE...",
    load: () => import("./image-verify.js"),
  },
];

const STAGE1_COMMANDS: CommandDef[] = [
  {
    name: "install",
    summary: "Install a stage1 plugin version from a package directory or a packed .tgz",
    usage: "rkt stage1 install [--replace] DIR|PACKAGE.tgz",
    description:
      "Installs the package into <data dir>/stage1/NAME/VERSION, next to the other installed versions.\n" +
      "The package.json and protocol range are checked before anything is copied into place.",
    flags: [{ name: "replace", type: "bool", default: "false", usage: "replace the same name and version if it is already installed" }],
    load: () => import("./stage1-install.js"),
  },
  {
    name: "list",
    summary: "List the stage1 plugins: builtins and installed versions",
    usage: "rkt stage1 list [--no-legend] [--format=json|json-pretty]",
    flags: [{ name: "no-legend", type: "bool", default: "false", usage: "suppress a legend with the list" }, FORMAT_FLAG],
    load: () => import("./stage1-list.js"),
  },
  {
    name: "remove",
    aliases: ["rm"],
    summary: "Remove installed stage1 plugin versions",
    usage: "rkt stage1 remove NAME[:VERSION] ...",
    load: () => import("./stage1-remove.js"),
  },
];

export const COMMANDS: CommandDef[] = [
  {
    name: "api-service",
    summary: "Run API service (experimental)",
    usage: 'rkt api-service [--listen="localhost:15441"]',
    description:
      "The API service listens for gRPC requests (rkt's api/v1alpha PublicAPI, read-only) on the address\n" +
      "and port specified by the --listen option, by default localhost:15441.\n" +
      "Specify the address 0.0.0.0 to listen on all interfaces.\n" +
      "It also runs as a systemd socket-activated service (see systemd.socket(5)): then it serves the\n" +
      "sockets it is passed and --listen must not be given. SIGINT or SIGTERM stops it.",
    flags: [{ name: "listen", type: "string", default: "", usage: "address to listen for client API requests (default localhost:15441)" }],
    load: () => import("./api-service.js"),
  },
  {
    name: "cat-manifest",
    summary: "Inspect and print the pod manifest",
    usage: "rkt cat-manifest [--pretty-print] UUID",
    flags: [PRETTY_FLAG, UUID_FILE_FLAG],
    load: () => import("./cat-manifest.js"),
  },
  {
    name: "completion",
    summary: "Output shell completion code for the specified shell",
    usage: "rkt completion bash",
    load: () => import("./completion.js"),
  },
  {
    name: "config",
    summary: "Print configuration for each stage in JSON format",
    usage: "rkt config [--pretty-print]",
    flags: [PRETTY_FLAG],
    load: () => import("./config.js"),
  },
  {
    name: "enter",
    summary: "Enter the namespaces of an app within a rkt pod",
    usage: "rkt enter [--app=APPNAME] UUID [CMD [ARGS ...]]",
    flags: [{ name: "app", type: "string", usage: "name of the app to enter within the specified pod" }],
    stopAtPositional: true,
    superuser: true,
    load: () => import("./enter.js"),
  },
  {
    name: "export",
    summary: "Export an app from an exited pod to an ACI file",
    usage: "rkt export [--app=APPNAME] [--overwrite] UUID OUTPUT_ACI_FILE",
    description: "UUID is the UUID of an exited pod. The ACI holds the app's image manifest and its root filesystem as the app left it.",
    flags: [
      { name: "app", type: "string", usage: "name of the app to export within the specified pod" },
      { name: "overwrite", type: "bool", default: "false", usage: "overwrite output ACI" },
    ],
    superuser: true,
    load: () => import("./export.js"),
  },
  {
    name: "fetch",
    summary: "Fetch image(s) and store them in the local store",
    usage: "rkt fetch [flags] IMAGE [--signature=FILE] [IMAGE ...]",
    description:
      "Locates and downloads remote images and their dependencies, and stores them in the local store.\nIMAGE is a file path, a file://, http:// or https:// URL of an ACI, an image name found by appc discovery (NAME[:VERSION][,LABEL=VALUE...]), or an image ID (sha512-...).\nImages are verified against the keys added with rkt trust (see --insecure-options=image).",
    flags: FETCH_FLAGS,
    stopAtPositional: true,
    load: () => import("./fetch.js"),
  },
  {
    name: "gc",
    summary: "Garbage collect rkt pods no longer in use",
    usage: "rkt gc [--grace-period=DURATION] [--expire-prepared=DURATION]",
    flags: [
      { name: "grace-period", type: "duration", default: "30m0s", usage: "duration to wait before discarding inactive pods from garbage" },
      { name: "expire-prepared", type: "duration", default: "24h0m0s", usage: "duration to wait before expiring prepared pods" },
      { name: "mark-only", type: "bool", default: "false", usage: "if set to true, only the exited/aborted pods will be moved to the garbage directories, without actually deleting them" },
    ],
    superuser: true,
    load: () => import("./gc.js"),
  },
  {
    name: "image",
    summary: "Operate on image(s) in the local store",
    usage: "rkt image [command]",
    subcommands: IMAGE_COMMANDS,
  },
  {
    name: "list",
    summary: "List pods",
    usage: "rkt list [--full] [--no-legend] [--format=json|json-pretty]",
    flags: [
      { name: "no-legend", type: "bool", default: "false", usage: "suppress a legend with the list" },
      { name: "full", type: "bool", default: "false", usage: "use long output format" },
      FORMAT_FLAG,
    ],
    load: () => import("./list.js"),
  },
  {
    name: "metadata-service",
    summary: "Run metadata service",
    usage: "rkt metadata-service [--listen-port=PORT]",
    description:
      "Provides a means for running apps to introspect their execution environment and assert their\n" +
      "identity: the appc App Container Metadata Service. Pods started with --mds-register are\n" +
      "registered over the unix socket /run/rkt/metadata-svc.sock (or the socket systemd passes);\n" +
      "apps reach the service at AC_METADATA_URL, on TCP port --listen-port. SIGINT or SIGTERM stops it.",
    flags: [{ name: "listen-port", type: "int", default: "18112", usage: "listen port" }],
    superuser: true,
    load: () => import("./metadata-service.js"),
  },
  {
    name: "prepare",
    summary: "Prepare to run image(s) in a pod in rkt",
    usage: "rkt prepare [flags] IMAGE [image flags] [-- image-args... ---]...",
    description: "Prints the UUID of the prepared pod; start it with rkt run-prepared.",
    flags: [...PREPARE_POD_FLAGS, { name: "quiet", type: "bool", default: "false", usage: "suppress superfluous output on stdout, print only the UUID on success" }, ...APP_FLAGS],
    stopAtPositional: true,
    superuser: true,
    load: () => import("./prepare.js"),
  },
  {
    name: "rm",
    summary: "Remove all files and resources associated with an exited pod",
    usage: "rkt rm [--uuid-file=FILE] UUID ...",
    flags: [UUID_FILE_FLAG],
    superuser: true,
    load: () => import("./rm.js"),
  },
  {
    name: "run",
    summary: "Run image(s) in a pod in rkt",
    usage: "rkt run [flags] IMAGE [image flags] [-- image-args... ---] [IMAGE [image flags] [-- image-args... ---]...]",
    description:
      "IMAGE should be a string referencing an image: a file path, a URL, or an image ID.\n" +
      "Image flags apply to the image before them; --mount before any image applies to all apps.\n" +
      "Arguments after -- are passed to the app; --- ends them.\n" +
      "rkt run exits with the app's exit code; rkt's own errors exit 254.",
    flags: [...RUN_POD_FLAGS, ...APP_FLAGS],
    stopAtPositional: true,
    superuser: true,
    load: () => import("./run.js"),
  },
  {
    name: "run-prepared",
    summary: "Run a prepared application pod in rkt",
    usage: "rkt run-prepared UUID",
    flags: RUNTIME_FLAGS,
    superuser: true,
    load: () => import("./run-prepared.js"),
  },
  {
    name: "stage1",
    summary: "Install, list and remove stage1 plugins",
    usage: "rkt stage1 [command]",
    subcommands: STAGE1_COMMANDS,
  },
  {
    name: "status",
    summary: "Check the status of a rkt pod",
    usage: "rkt status [--wait=bool|timeout] [--wait-ready=bool|timeout] --uuid-file=FILE | UUID",
    flags: [
      { name: "wait", type: "string", optionalValue: "true", default: "false", usage: "toggle waiting for the pod to finish; a positive duration is a timeout" },
      { name: "wait-ready", type: "string", optionalValue: "true", default: "false", usage: "toggle waiting until the pod is ready; a positive duration is a timeout" },
      FORMAT_FLAG,
      UUID_FILE_FLAG,
    ],
    load: () => import("./status.js"),
  },
  {
    name: "stop",
    summary: "Stop a pod",
    usage: "rkt stop --uuid-file=FILE | UUID ...",
    flags: [{ name: "force", type: "bool", default: "false", usage: "forced stopping" }, UUID_FILE_FLAG],
    load: () => import("./stop.js"),
  },
  {
    name: "trust",
    summary: "Trust a key for image verification",
    usage: "rkt trust [--prefix=PREFIX] [--insecure-allow-http] [--skip-fingerprint-review] [--root] [PUBKEY ...]",
    description:
      "Adds keys to the local keystore for use in verifying signed images.\n" +
      "PUBKEY may be either a local file or URL.\n" +
      "PREFIX scopes the applicability of PUBKEY to image names sharing PREFIX.\n" +
      "Meta discovery of PUBKEY at PREFIX will be attempted if no PUBKEY is specified.\n" +
      "To trust a key for all images instead of for specific images, --root can be specified. Path to a key file must be given (no discovery).",
    flags: [
      { name: "prefix", type: "string", default: "", usage: "prefix to limit trust to" },
      { name: "root", type: "bool", default: "false", usage: "add root key from filesystem without a prefix" },
      { name: "skip-fingerprint-review", type: "bool", default: "false", usage: "accept key without fingerprint confirmation" },
      { name: "insecure-allow-http", type: "bool", default: "false", usage: "allow HTTP use for key discovery and/or retrieval" },
    ],
    load: () => import("./trust.js"),
  },
  {
    name: "version",
    summary: "Print the version and exit",
    usage: "rkt version",
    load: () => import("./version.js"),
  },
];
