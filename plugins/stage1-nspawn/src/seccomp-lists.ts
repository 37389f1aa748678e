// Seccomp syscall lists, one file per distinct list in the stage1 root: a pod of many apps
// with the same filter (the default one, usually) carries one list, and its init parses and
// compiles it once.
import { hostPath, type AppIsolation } from "@rkt/stage1-kit";
import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { IN_POD } from "./layout.js";

/** Writes the lists; returns, for each list (by identity), its path in the pod. */
export function writeSeccompLists(stage1Root: string, isolations: AppIsolation[]): Map<readonly string[], string> {
  const byList = new Map<readonly string[], string>();
  for (const iso of isolations) {
    if (!iso.seccomp || byList.has(iso.seccomp.syscalls)) continue;
    const text = iso.seccomp.syscalls.join("\n") + "\n";
    const file = `${IN_POD.seccomp}/seccomp-${createHash("sha256").update(text).digest("hex").slice(0, 16)}.list`;
    if (!existsSync(hostPath(stage1Root, file))) writeFileSync(hostPath(stage1Root, file), text);
    byList.set(iso.seccomp.syscalls, file);
  }
  return byList;
}
