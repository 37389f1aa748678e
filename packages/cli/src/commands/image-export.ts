// rkt image export: write the stored, uncompressed ACI; its sha512 is the image ID. An OCI
// image is written as an oci-archive (its manifest, config and layers as stored).
import { exportOciArchive, RktError, resolveStoredImage } from "@rkt/stage0";
import { randomBytes } from "node:crypto";
import { closeSync, copyFileSync, existsSync, openSync, renameSync, rmSync } from "node:fs";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 2) throw new UsageError("an image and an output file are required");
  const [arg, out] = ctx.args as [string, string];
  if (existsSync(out) && !ctx.flags.bool("overwrite")) {
    throw new RktError(`${out} already exists; use --overwrite to replace it`);
  }
  const rkt = rktContext(ctx);
  const key = resolveStoredImage(rkt.store, arg);
  // Made exclusively under an unpredictable name: a file or symlink someone placed next to
  // `out` is never written through; the rename then replaces `out` without following it.
  const tmp = `${out}.${randomBytes(6).toString("hex")}.rkt-export-tmp`;
  try {
    closeSync(openSync(tmp, "wx", 0o644));
    if (rkt.store.get(key).kind === "oci") await exportOciArchive(rkt, key, tmp);
    else copyFileSync(rkt.store.blobPath(key), tmp);
    renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { force: true });
    if (err instanceof RktError) throw err;
    throw new RktError(`unable to export image ${key} to ${out}: ${(err as Error).message}`);
  }
  rkt.store.markUsed(key);
  rkt.close();
  return 0;
}
