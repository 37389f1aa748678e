// Resolving a path inside a container root the way the kernel would after chroot(2):
// symlinks are followed relative to the root and `..` stops at it, so an image's
// symlink (say /etc/passwd -> /etc/shadow or ../../../host) never reaches a host file.
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

const MAX_SYMLINKS = 40;

/** The host path of `path` as seen inside `root`; the last component is followed too. */
export function resolveInRoot(root: string, path: string): string {
  const done: string[] = [];
  let pending = splitPath(path);
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "..") {
      done.pop();
      continue;
    }
    const hostPath = join(root, ...done, part);
    let isLink = false;
    try {
      isLink = lstatSync(hostPath).isSymbolicLink();
    } catch {
      // A missing component: the rest of the path is taken literally.
      done.push(part, ...pending.filter((p) => p !== ".."));
      break;
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++hops > MAX_SYMLINKS) throw new Error(`too many levels of symbolic links in ${path}`);
    const target = readlinkSync(hostPath);
    if (target.startsWith("/")) done.length = 0;
    pending = [...splitPath(target), ...pending];
  }
  return join(root, ...done);
}

/** Reads a file inside a root, or returns undefined when it does not exist there. */
export function readFileInRoot(root: string, path: string): string | undefined {
  try {
    return readFileSync(resolveInRoot(root, path), "utf8");
  } catch {
    return undefined;
  }
}

function splitPath(p: string): string[] {
  return p.split("/").filter((c) => c !== "" && c !== ".");
}
