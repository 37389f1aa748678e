import type { ImageManifest, NameValue } from "@rkt/stage1-api";

export interface ImageRecord {
  key: string;
  digest: string;
  kind: "aci" | "oci";
  name: string;
  labels: NameValue[];
  manifestBytes: Buffer;
  importTime: number;
  lastUsed: number;
  latest: boolean;
  size: number;
  treeSize: number;
}

export interface ImageRow {
  key: string;
  digest: string;
  kind: string;
  name: string;
  labels: string;
  manifest: Uint8Array;
  import_time: number;
  last_used: number;
  latest: number;
  size: number;
  tree_size: number;
}

export function recordFromRow(r: ImageRow): ImageRecord {
  return {
    key: r.key,
    digest: r.digest,
    kind: r.kind as ImageRecord["kind"],
    name: r.name,
    labels: JSON.parse(r.labels) as NameValue[],
    // node:sqlite reads BLOBs as plain Uint8Arrays: a Buffer view of the same bytes.
    manifestBytes: Buffer.from(r.manifest.buffer, r.manifest.byteOffset, r.manifest.byteLength),
    importTime: r.import_time,
    lastUsed: r.last_used,
    latest: r.latest !== 0,
    size: r.size,
    treeSize: r.tree_size,
  };
}

export function manifestOf(rec: ImageRecord): ImageManifest {
  return JSON.parse(rec.manifestBytes.toString("utf8")) as ImageManifest;
}

export function labelValue(labels: NameValue[] | undefined, name: string): string | undefined {
  return labels?.find((l) => l.name === name)?.value;
}
