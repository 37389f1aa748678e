// The pod state machine: state = the directory a pod is in + whether its lock is held.
// Locks are held here by util-linux's flock(1) in a child process, as a pod process would.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { POD_DIRS, PodRepo, type PodDir, type PodState } from "./pods.js";

let dataDir: string;
let holders: ChildProcess[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "rkt-unit-pods-"));
});
afterEach(() => {
  for (const h of holders) h.kill("SIGKILL");
  holders = [];
  rmSync(dataDir, { recursive: true, force: true });
});

async function holdLock(dir: string): Promise<void> {
  const h = spawn("flock", ["--no-fork", "--exclusive", "--nonblock", dir, "sh", "-c", "echo locked; exec sleep 60"], { stdio: ["ignore", "pipe", "inherit"] });
  holders.push(h);
  await new Promise<void>((resolve, reject) => {
    h.stdout!.once("data", () => resolve());
    h.once("exit", (code) => reject(new Error(`flock exited ${code}`)));
  });
}

const UUID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";

const EXPECTED: Record<PodDir, [unlocked: PodState, locked: PodState]> = {
  embryo: ["embryo", "embryo"],
  prepare: ["aborted prepare", "preparing"],
  prepared: ["prepared", "prepared"],
  run: ["exited", "running"],
  "exited-garbage": ["exited garbage", "exited deleting"],
  garbage: ["garbage", "deleting"],
};

describe("pod states", () => {
  for (const dir of POD_DIRS) {
    test(`${dir}: unlocked and locked`, async () => {
      const repo = new PodRepo(dataDir);
      repo.ensureDirs();
      mkdirSync(repo.path(dir, UUID));
      const pod = repo.find(UUID.slice(0, 4));
      expect(pod.dirState).toBe(dir);
      expect(pod.state()).toBe(EXPECTED[dir][0]);
      await holdLock(pod.dir);
      expect(pod.state()).toBe(EXPECTED[dir][1]);
    });
  }

  test("a pod whose holder was SIGKILLed reads as exited", async () => {
    const repo = new PodRepo(dataDir);
    repo.ensureDirs();
    mkdirSync(repo.path("run", UUID));
    const pod = repo.find(UUID);
    await holdLock(pod.dir);
    expect(pod.state()).toBe("running");
    const h = holders.pop()!;
    const exited = new Promise((r) => h.once("exit", r));
    h.kill("SIGKILL");
    await exited;
    expect(pod.state()).toBe("exited");
  });

  test("a pod moved by someone else is found again", () => {
    const repo = new PodRepo(dataDir);
    const pod = repo.createEmbryo();
    const stale = repo.find(pod.uuid);
    pod.moveTo("prepare");
    pod.moveTo("prepared");
    expect(stale.state()).toBe("prepared");
    expect(stale.dirState).toBe("prepared");
  });
});

describe("finding pods", () => {
  test("unique prefixes, case-insensitive; rkt's errors otherwise", () => {
    const repo = new PodRepo(dataDir);
    repo.ensureDirs();
    mkdirSync(repo.path("run", "aaaa1111-0000-4000-8000-000000000001"));
    mkdirSync(repo.path("prepared", "aaaa2222-0000-4000-8000-000000000002"));
    expect(repo.find("AAAA1").uuid).toBe("aaaa1111-0000-4000-8000-000000000001");
    expect(() => repo.find("aaaa")).toThrow("ambiguous uuid, 2 matches");
    expect(() => repo.find("bbbb")).toThrow('no matches found for "bbbb"');
    expect(() => repo.find("  ")).toThrow("UUID cannot be empty");
    expect(repo.list().map((p) => p.dirState).sort()).toEqual(["prepared", "run"]);
  });

  test("entries that are not UUIDs are ignored", () => {
    const repo = new PodRepo(dataDir);
    repo.ensureDirs();
    mkdirSync(repo.path("run", "not-a-pod"));
    expect(repo.list()).toEqual([]);
  });
});
