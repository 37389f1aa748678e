// oci-archive: and docker-archive: files are tar archives from outside: they are unpacked
// with the store's safe extractor (no path outside the directory, no write through a
// symlink, no devices or FIFOs, bounded) into a directory of the store's tmp, read from
// there as a layout or a docker-save directory, and removed afterwards.
import { extractTar, type FsOp, type FsOpResult } from "@rkt/store";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";

/** An image archive holds files, directories and links; anything else is refused. */
async function refuseSpecialFiles(ops: FsOp[]): Promise<FsOpResult[]> {
  return ops.map((op) =>
    op.op === "setxattr" ? { ok: true } : { ok: false, code: "EPERM", message: "an image archive may hold only files, directories and links" },
  );
}

export interface UnpackedArchive {
  dir: string;
  remove(): void;
}

export async function unpackArchive(ctx: RktContext, file: string, label: string): Promise<UnpackedArchive> {
  const dir = join(ctx.store.paths.tmp, `archive-${randomBytes(8).toString("hex")}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const res = await extractTar(file, { dest: dir, specialFiles: refuseSpecialFiles });
    for (const w of res.warnings.slice(0, 5)) ctx.reporter.debugLog("image", `${label}: ${w}`);
  } catch (err) {
    remove();
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT") throw new RktError(`${label}: no such file`);
    throw new RktError(`${label}: not a usable image archive: ${e.message}`, { cause: err });
  }
  return { dir, remove };
}
