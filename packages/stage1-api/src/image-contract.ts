// rkt's stage1 *image* contract (rkt 1.30 Documentation/devel/stage1-implementors-guide.md):
// a stage1 ACI names its executables in image manifest annotations. This is data only; the
// bridge plugin (@rkt/stage1-bridge) implements the contract and stage0 records the
// interface version of the image a pod was prepared with.
import type { ImageManifest } from "./appc-types.js";
import { Stage1Error } from "./errors.js";

export const STAGE1_IMAGE_ANNOTATIONS = {
  run: "coreos.com/rkt/stage1/run",
  enter: "coreos.com/rkt/stage1/enter",
  gc: "coreos.com/rkt/stage1/gc",
  stop: "coreos.com/rkt/stage1/stop",
  appAdd: "coreos.com/rkt/stage1/app/add",
  appRm: "coreos.com/rkt/stage1/app/rm",
  appStart: "coreos.com/rkt/stage1/app/start",
  appStop: "coreos.com/rkt/stage1/app/stop",
  attach: "coreos.com/rkt/stage1/attach",
  interfaceVersion: "coreos.com/rkt/stage1/interface-version",
} as const;

/** The interface versions this rkt knows; an image may declare a later one (treated as 6). */
export const STAGE1_IMAGE_INTERFACE_VERSIONS = [1, 2, 3, 4, 5, 6] as const;

export function annotation(manifest: ImageManifest, name: string): string | undefined {
  return manifest.annotations?.find((a) => a.name === name)?.value;
}

/**
 * The image's interface version: the integer in the interface-version annotation, 1 when it
 * is absent (rkt's rule). A value that is not a positive integer is an error, as in rkt.
 */
export function stage1InterfaceVersion(manifest: ImageManifest): number {
  const raw = annotation(manifest, STAGE1_IMAGE_ANNOTATIONS.interfaceVersion);
  if (raw === undefined) return 1;
  if (!/^[0-9]+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new Stage1Error(`invalid stage1 interface version ${JSON.stringify(raw)}: want a positive integer`);
  }
  return Number(raw);
}
