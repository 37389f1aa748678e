// Deleting a pod directory without ever leaving the pod's own filesystem: mounts that are
// still there (a busy bind mount, a volume) are unmounted lazily first, and the delete
// refuses to descend into anything that is still mounted, so a host directory bound into
// a pod can never be wiped. The manifest goes last, so an interrupted delete can be retried.
import { runFsOps } from "@rkt/isolation";
import { podLayout } from "@rkt/stage1-api";
import { lstatSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { RktError } from "../errors.js";

/** Mount points at or below `dir`, from this process's mount table. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const out: string[] = [];
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const mp = line.split(" ")[4];
    if (!mp) continue;
    const path = mp.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (path === dir || path.startsWith(prefix)) out.push(path);
  }
  return out;
}

export async function unmountAll(dir: string): Promise<void> {
  if (mountsUnder(dir).length === 0) return;
  const [res] = await runFsOps([{ op: "umount-tree", path: dir }]);
  const left = mountsUnder(dir);
  if (left.length > 0) {
    throw new RktError(`cannot unmount ${left[0]}${res && !res.ok ? `: ${res.message}` : ""}; run gc again once it is no longer busy`);
  }
}

function removeOneFs(path: string, dev: number): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.dev !== dev) throw new RktError(`refusing to delete ${path}: it is on another filesystem (still mounted?)`);
  if (!st.isDirectory()) {
    unlinkSync(path);
    return;
  }
  for (const name of readdirSync(path)) removeOneFs(join(path, name), dev);
  rmdirSync(path);
}

export async function removePodDir(dir: string): Promise<void> {
  await unmountAll(dir);
  let dev: number;
  try {
    dev = lstatSync(dir).dev;
  } catch {
    return;
  }
  for (const name of readdirSync(dir)) {
    if (name !== podLayout.manifest) removeOneFs(join(dir, name), dev);
  }
  removeOneFs(join(dir, podLayout.manifest), dev);
  rmdirSync(dir);
}
