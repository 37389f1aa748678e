// An image's files in a directory: `extract` gives the ACI as stored (no dependencies),
// `render` the root filesystem its apps see (dependencies and path whitelist applied). For
// an OCI image both give its layers applied in order.
import { runFsOps } from "@rkt/isolation";
import { extractTar } from "@rkt/store";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";

export interface ExtractImageOptions {
  mode: "extract" | "render";
  rootfsOnly: boolean;
  overwrite: boolean;
}

export async function extractImage(ctx: RktContext, key: string, dir: string, opts: ExtractImageOptions): Promise<void> {
  if (existsSync(dir)) {
    if (!opts.overwrite) throw new RktError(`${dir} already exists; use --overwrite to replace it`);
    rmSync(dir, { recursive: true, force: true });
  }
  // The directory itself is made here, not found: a symlink someone placed meanwhile makes
  // this fail (EEXIST) instead of redirecting the extraction.
  mkdirSync(dirname(dir), { recursive: true, mode: 0o755 });
  mkdirSync(dir, { mode: 0o755 });
  const dest = opts.rootfsOnly ? dir : join(dir, "rootfs");
  if (!opts.rootfsOnly) mkdirSync(dest, { mode: 0o755 });
  const store = ctx.store;
  // An OCI image has no "raw" form apart from its layers: extracting it gives its tree.
  if (opts.mode === "render" || store.get(key).kind === "oci") {
    const tree = await store.renderTree(key);
    const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
    execFileSync("cp", ["-a", `${tree.rootfs}/.`, dest]);
  } else {
    await extractTar(store.blobPath(key), { dest, strip: "rootfs/", specialFiles: runFsOps });
  }
  if (!opts.rootfsOnly) writeFileSync(join(dir, "manifest"), store.get(key).manifestBytes);
  store.markUsed(key);
}
