// Backing directories of kind=empty volumes: <pod>/sharedVolumes/<name>, made once per pod
// with the volume's mode and owner, shared by every app that mounts the volume.
import { chmodSync, chownSync, mkdirSync } from "node:fs";
import type { AppMount } from "./mounts.js";

export function createEmptyVolumes(mounts: AppMount[]): void {
  for (const m of mounts) {
    if (m.volume.kind !== "empty") continue;
    mkdirSync(m.source, { recursive: true });
    chmodSync(m.source, m.volume.mode ? parseInt(m.volume.mode, 8) : 0o755);
    chownSync(m.source, m.volume.uid ?? 0, m.volume.gid ?? 0);
  }
}
