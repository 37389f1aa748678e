// An image as the API describes it, from the store's index: rkt's fields, its size as
// `rkt image list` counts it (the stored blobs plus the rendered tree), the import time in
// seconds, and the manifest as stored (what `rkt image cat-manifest` prints).
import { APPC_VERSION } from "@rkt/stage0";
import type { ImageRecord } from "@rkt/store";
import { labelValue } from "@rkt/store";
import { keyValues, type Image } from "./messages.js";

/** The OCI image-spec major the store's native OCI and Docker images follow. */
const OCI_VERSION = "1.0.0";

export function describeImage(rec: ImageRecord, detail: boolean): Image {
  let annotations: { name: string; value: string }[] = [];
  try {
    annotations = (JSON.parse(rec.manifestBytes.toString("utf8")) as { annotations?: { name: string; value: string }[] }).annotations ?? [];
  } catch {
    // an unreadable manifest lists without annotations
  }
  return {
    base_format: rec.kind === "oci" ? { type: "IMAGE_TYPE_OCI", version: OCI_VERSION } : { type: "IMAGE_TYPE_APPC", version: APPC_VERSION },
    id: rec.key,
    name: rec.name,
    version: labelValue(rec.labels, "version") ?? "latest",
    import_timestamp: String(Math.floor(rec.importTime / 1000)),
    ...(detail ? { manifest: rec.manifestBytes } : {}),
    size: String(rec.size + rec.treeSize),
    annotations: keyValues(annotations),
    labels: keyValues(rec.labels),
  };
}
