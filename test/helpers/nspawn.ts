// Helpers of the nspawn end-to-end tests: app commands, and removing every pod a test file
// made (running ones are stopped with --force first), whatever state the tests left.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { waitUntil, type Sandbox } from "./rkt.js";

/** App flags that run a shell script in the app. */
export function sh(script: string): string[] {
  return ["--exec=/bin/sh", "--", "-c", script, "---"];
}

/** The pods of a sandbox that are in run/ (running or exited). */
export function runPods(sb: Sandbox): string[] {
  try {
    return readdirSync(join(sb.dataDir, "pods", "run"));
  } catch {
    return [];
  }
}

/** Stops what still runs, then garbage-collects every pod of the sandbox. */
export async function cleanupPods(sb: Sandbox): Promise<void> {
  for (const uuid of runPods(sb)) {
    const s = await sb.rkt(["status", uuid]);
    if (/^state=running$/m.test(s.stdout)) {
      await sb.rkt(["stop", "--force", uuid]);
      await waitUntil(async () => !/^state=running$/m.test((await sb.rkt(["status", uuid])).stdout), 10_000, `pod ${uuid} to stop`);
    }
  }
  const gc = await sb.rkt(["gc", "--grace-period=0s"]);
  if (gc.code !== 0) throw new Error(`rkt gc failed: ${gc.stderr}`);
}
