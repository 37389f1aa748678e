// What an image argument of `rkt run`/`fetch`/`prepare` refers to (rkt/image/common.go
// DistFromImageString and guessAppcOrPath, rkt/image/finder.go), in rkt's order:
//  1. `sha512-...` (or `sha256-...`, an OCI image)  → an image ID in the store
//  2. `file://`, `http://`, `https://` ending .aci → an archive URL
//  3. `docker://REF` or `docker:REF`              → a Docker registry image
//  (our extension) `oci:PATH[:REF]`, `oci-archive:PATH[:REF]`, `docker-archive:PATH[:REF]`
//  4. no scheme: absolute path → file; an existing regular file → file; contains `:` → name;
//     contains `./` → file; ends in `.aci` → file; else an appc name.
//  Any other `scheme:rest` (e.g. `busybox:1.0`) is an appc name, as in rkt.
import { AppcError } from "./errors.js";
import { parseImageHash } from "./hash.js";
import { parseImageString, type ImageString } from "./image-string.js";

export type ImageArgument =
  | { kind: "hash"; id: string }
  | { kind: "url"; url: string; scheme: "file" | "http" | "https" }
  | { kind: "docker"; ref: string }
  | { kind: "oci-layout" | "oci-archive" | "docker-archive"; path: string; ref?: string }
  | { kind: "file"; path: string }
  | ({ kind: "name" } & ImageString);

export interface ClassifyOptions {
  /** True when `path` (as given, relative to the working directory) is a regular file. */
  fileExists: (path: string) => boolean;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** Classifies an image argument; throws AppcError when it cannot be any kind of image. */
export function classifyImageArgument(arg: string, opts: ClassifyOptions): ImageArgument {
  if (arg === "") throw new AppcError("empty image string");
  const lower = arg.toLowerCase();
  if (lower.startsWith("sha512-") || /^sha256-[0-9a-f]*$/.test(lower)) return { kind: "hash", id: parseImageHash(arg) };

  const m = SCHEME.exec(arg);
  const scheme = m?.[1]!.toLowerCase();
  if (m && scheme !== undefined) {
    const rest = arg.slice(m[0].length);
    switch (scheme) {
      case "file":
      case "http":
      case "https":
        return archiveURL(arg, scheme);
      case "docker": {
        const ref = rest.startsWith("//") ? rest.slice(2) : rest;
        if (ref === "") throw new AppcError(`invalid image string ${JSON.stringify(arg)}: empty docker image reference`);
        return { kind: "docker", ref };
      }
      case "oci":
      case "oci-archive":
      case "docker-archive":
        return transportPath(arg, scheme, rest);
      default:
        if (rest.startsWith("//")) {
          throw new AppcError(`invalid image string ${JSON.stringify(arg)}: unsupported URL scheme ${JSON.stringify(scheme)}`);
        }
        return appcName(arg);
    }
  }

  if (arg.startsWith("/")) return { kind: "file", path: arg };
  if (opts.fileExists(arg)) return { kind: "file", path: arg };
  if (arg.includes(":")) return appcName(arg);
  if (arg.includes("./")) return { kind: "file", path: arg };
  if (arg.endsWith(".aci")) return { kind: "file", path: arg };
  return appcName(arg);
}

function appcName(arg: string): ImageArgument {
  try {
    return { kind: "name", ...parseImageString(arg) };
  } catch (err) {
    throw new AppcError(`invalid appc image string ${JSON.stringify(arg)}: ${(err as Error).message}`);
  }
}

function archiveURL(arg: string, scheme: "file" | "http" | "https"): ImageArgument {
  let u: URL;
  try {
    u = new URL(arg);
  } catch {
    throw new AppcError(`failed to parse image url ${JSON.stringify(arg)}`);
  }
  if (!u.pathname.endsWith(".aci")) {
    throw new AppcError(`invalid image string ${JSON.stringify(arg)}: ${scheme} URLs must name an .aci archive`);
  }
  return { kind: "url", url: arg, scheme };
}

function transportPath(arg: string, scheme: "oci" | "oci-archive" | "docker-archive", rest: string): ImageArgument {
  const colon = rest.indexOf(":");
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const ref = colon < 0 ? "" : rest.slice(colon + 1);
  if (path === "") throw new AppcError(`invalid image string ${JSON.stringify(arg)}: missing path after ${scheme}:`);
  const kind = scheme === "oci" ? "oci-layout" : scheme;
  return ref === "" ? { kind, path } : { kind, path, ref };
}
