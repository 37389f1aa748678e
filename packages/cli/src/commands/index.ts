// Every rkt command: name, help and flags as data; the code of a command is imported only
// when that command runs, so `rkt version` does not load the store or a stage1.
import type { CommandDef } from "../command.js";
import { APP_FLAGS, FETCH_FLAGS, RUN_POD_FLAGS } from "./flag-specs.js";

const IMAGE_COMMANDS: CommandDef[] = [
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
      { name: "format", type: "string", default: "", usage: "choose the output format: json or json-pretty" },
    ],
    load: () => import("./image-list.js"),
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
];

export const COMMANDS: CommandDef[] = [
  {
    name: "fetch",
    summary: "Fetch image(s) and store them in the local store",
    usage: "rkt fetch [flags] IMAGE [--signature=FILE] [IMAGE ...]",
    description:
      "Locates and downloads remote images and their dependencies, and stores them in the local store.\nIMAGE is a file path, a file://, http:// or https:// URL of an ACI, or an image ID (sha512-...).",
    flags: FETCH_FLAGS,
    stopAtPositional: true,
    load: () => import("./fetch.js"),
  },
  {
    name: "image",
    summary: "Operate on image(s) in the local store",
    usage: "rkt image [command]",
    subcommands: IMAGE_COMMANDS,
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
    name: "version",
    summary: "Print the version and exit",
    usage: "rkt version",
    load: () => import("./version.js"),
  },
];
