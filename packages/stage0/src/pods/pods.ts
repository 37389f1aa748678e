// Pods on disk, as rkt lays them out: <data>/pods/<dir-state>/<uuid>. A pod's state is the
// directory it is in plus whether its exclusive lock is held; nothing else is trusted, so
// a pod whose process was SIGKILLed simply reads as exited.
import { checkName } from "@rkt/appc";
import type { PodManifest } from "@rkt/stage1-api";
import { podLayout, readPodPid, safeJoin } from "@rkt/stage1-api";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { RktError } from "../errors.js";
import { probeLock } from "../locks.js";

export const POD_DIRS = ["embryo", "prepare", "prepared", "run", "exited-garbage", "garbage"] as const;
export type PodDir = (typeof POD_DIRS)[number];

export type PodState =
  | "embryo"
  | "preparing"
  | "aborted prepare"
  | "prepared"
  | "running"
  | "exited"
  | "exited garbage"
  | "exited deleting"
  | "garbage"
  | "deleting"
  | "gone";

export class PodRepo {
  readonly podsDir: string;

  constructor(readonly dataDir: string) {
    this.podsDir = join(dataDir, "pods");
  }

  ensureDirs(): void {
    for (const d of POD_DIRS) mkdirSync(join(this.podsDir, d), { recursive: true, mode: 0o750 });
  }

  path(dir: PodDir, uuid: string): string {
    return safeJoin(join(this.podsDir, dir), [uuid], "pod UUID");
  }

  /** Every pod in every state directory. */
  list(): Pod[] {
    const pods: Pod[] = [];
    for (const d of POD_DIRS) {
      let names: string[] = [];
      try {
        names = readdirSync(join(this.podsDir, d));
      } catch {
        continue;
      }
      for (const uuid of names) if (UUID_RE.test(uuid)) pods.push(new Pod(this, uuid, d));
    }
    return pods;
  }

  /** A pod by unique UUID prefix (case-insensitive), with rkt's errors. */
  find(prefix: string): Pod {
    const p = prefix.trim().toLowerCase();
    if (p === "") throw new RktError("UUID cannot be empty");
    checkName("pod UUID prefix", p, "UUID");
    const byUuid = new Map<string, Pod>();
    for (const pod of this.list()) if (pod.uuid.startsWith(p)) byUuid.set(pod.uuid, pod);
    if (byUuid.size === 0) throw new RktError(`no matches found for ${JSON.stringify(prefix)}`);
    if (byUuid.size > 1) throw new RktError(`ambiguous uuid, ${byUuid.size} matches`);
    return [...byUuid.values()][0]!;
  }

  /** Creates pods/embryo/<uuid> (0750). */
  createEmbryo(): Pod {
    this.ensureDirs();
    const uuid = randomUUID();
    mkdirSync(this.path("embryo", uuid), { mode: 0o750 });
    return new Pod(this, uuid, "embryo");
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class Pod {
  constructor(
    readonly repo: PodRepo,
    readonly uuid: string,
    public dirState: PodDir,
  ) {}

  get dir(): string {
    return this.repo.path(this.dirState, this.uuid);
  }

  file(rel: string): string {
    return join(this.dir, rel);
  }

  /** Moves the pod to another state directory (an atomic rename). */
  moveTo(target: PodDir): void {
    renameSync(this.dir, this.repo.path(target, this.uuid));
    this.dirState = target;
  }

  /** Finds the pod again if someone else moved it (a concurrent gc or run). */
  refresh(): boolean {
    for (const d of POD_DIRS) {
      try {
        if (statSync(this.repo.path(d, this.uuid)).isDirectory()) {
          this.dirState = d;
          return true;
        }
      } catch {
        // not in this directory
      }
    }
    return false;
  }

  state(): PodState {
    const lock = probeLock(this.dir);
    if (lock === "missing") {
      if (!this.refresh()) return "gone";
      return this.state();
    }
    const locked = lock === "locked";
    switch (this.dirState) {
      case "embryo":
        return "embryo";
      case "prepare":
        return locked ? "preparing" : "aborted prepare";
      case "prepared":
        return "prepared";
      case "run":
        return locked ? "running" : "exited";
      case "exited-garbage":
        return locked ? "exited deleting" : "exited garbage";
      case "garbage":
        return locked ? "deleting" : "garbage";
    }
  }

  manifest(): PodManifest {
    try {
      return JSON.parse(readFileSync(this.file(podLayout.manifest), "utf8")) as PodManifest;
    } catch (err) {
      throw new RktError(`pod ${this.uuid} has no readable manifest: ${(err as Error).message}`);
    }
  }

  /** The manifest, or undefined when it is missing or unreadable (a failed prepare). */
  tryManifest(): PodManifest | undefined {
    try {
      return this.manifest();
    } catch {
      return undefined;
    }
  }

  /** CREATED: the mtime of pod-created. */
  createdAt(): Date | undefined {
    return mtime(this.file(podLayout.created));
  }

  /** STARTED: the mtime of pid, else ppid. */
  startedAt(): Date | undefined {
    return mtime(this.file(podLayout.pid)) ?? mtime(this.file(podLayout.ppid));
  }

  /** The pid stage1 wrote to `pid`, else the single child of `ppid`. */
  pid(): number | undefined {
    return readPodPid(this.dir);
  }
}

/** A file's mtime to the millisecond, truncated as Go's times print (Node's Date rounds). */
function mtime(path: string): Date | undefined {
  try {
    return new Date(Math.floor(statSync(path).mtimeMs));
  } catch {
    return undefined;
  }
}
