// Backing directories of kind=empty volumes: <pod>/sharedVolumes/<name>, made once per pod
// with the volume's mode and owner, shared by every app that mounts the volume. An implicit
// volume of a Docker/OCI image starts as a copy of the image's directory (Docker's volume
// semantics, as rkt applied them to images converted from Docker).
import { createRequire } from "node:module";
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from "node:fs";
import type { AppMount } from "./mounts.js";

export function createEmptyVolumes(mounts: AppMount[]): void {
  for (const m of mounts) {
    if (m.volume.kind !== "empty") continue;
    const fresh = !existsSync(m.source);
    mkdirSync(m.source, { recursive: true });
    chmodSync(m.source, m.volume.mode ? parseInt(m.volume.mode, 8) : 0o755);
    chownSync(m.source, m.volume.uid ?? 0, m.volume.gid ?? 0);
    if (fresh && m.populateFrom !== undefined && statSync(m.populateFrom, { throwIfNoEntry: false })?.isDirectory()) {
      // cp -a copies links as links and never follows them; the source was resolved
      // inside the image's root. The directory's own owner and mode come along (as Docker).
      // child_process loads only for Docker volumes that start with the image's content.
      const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof import("node:child_process");
      execFileSync("cp", ["-a", "--", `${m.populateFrom}/.`, m.source], { stdio: ["ignore", "ignore", "pipe"] });
    }
  }
}
