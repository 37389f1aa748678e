// What an image argument names, with rkt's defaults for name lookups (os and arch labels
// default to the host's).
import { AppcError, classifyImageArgument, hostArch, hostOS } from "@rkt/appc";
import type { NameValue } from "@rkt/stage1-api";
import { statSync } from "node:fs";
import { RktError } from "../errors.js";

export type ImageSource =
  | { kind: "hash"; id: string; display: string }
  | { kind: "url"; url: string; display: string }
  | { kind: "file"; path: string; display: string }
  | { kind: "name"; name: string; labels: NameValue[]; display: string }
  | { kind: "docker" | "oci-layout" | "oci-archive" | "docker-archive"; display: string };

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export function classifyImage(arg: string): ImageSource {
  let a;
  try {
    a = classifyImageArgument(arg, { fileExists: isFile });
  } catch (err) {
    if (err instanceof AppcError) throw new RktError(err.message);
    throw err;
  }
  switch (a.kind) {
    case "hash":
      return { kind: "hash", id: a.id, display: arg };
    case "url":
      return { kind: "url", url: a.url, display: arg };
    case "file":
      return { kind: "file", path: a.path, display: arg };
    case "name": {
      const labels = { os: hostOS(), arch: hostArch(), ...a.labels };
      return { kind: "name", name: a.name, labels: Object.entries(labels).map(([name, value]) => ({ name, value })), display: arg };
    }
    default:
      return { kind: a.kind, display: arg };
  }
}
