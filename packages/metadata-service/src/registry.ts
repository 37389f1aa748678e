// The pods the metadata service knows: registered over the unix socket by rkt run (root
// only), each with its secret token, manifests, the addresses it may ask from, and the
// process whose end ends it. Kept in memory only, as rkt's: a restarted service knows none.
import { readFileSync } from "node:fs";

export interface RegisteredPod {
  uuid: string;
  token: string;
  /** The pod manifest as registered (served as is), and parsed. */
  manifestBytes: Buffer;
  manifest: PodManifestView;
  /** Image manifests of the apps, by app name. */
  apps: Map<string, { bytes: Buffer; manifest: ImageManifestView }>;
  /** Where its requests may come from; empty: from anywhere (a registrant that did not say). */
  ips: Set<string>;
  /** The pod's process and its start time (/proc/PID/stat), to notice its end. */
  process?: { pid: number; start: string };
}

export interface NameValue {
  name: string;
  value: string;
}

export interface PodManifestView {
  apps: { name: string; image: { id?: string }; annotations?: NameValue[] }[];
  annotations?: NameValue[] | null;
}

export interface ImageManifestView {
  annotations?: NameValue[] | null;
}

/** Field 22 of /proc/PID/stat: when the process started (a reused PID has another). */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command (field 2) is in parentheses and may contain spaces: count after the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

export class PodRegistry {
  private readonly byToken = new Map<string, RegisteredPod>();
  private readonly byUuid = new Map<string, RegisteredPod>();

  /** A pod registered again (same UUID) replaces its earlier registration. */
  add(pod: RegisteredPod): void {
    this.remove(pod.uuid);
    this.byToken.set(pod.token, pod);
    this.byUuid.set(pod.uuid, pod);
  }

  get(uuid: string): RegisteredPod | undefined {
    return this.byUuid.get(uuid);
  }

  byTokenOf(token: string): RegisteredPod | undefined {
    return this.byToken.get(token);
  }

  remove(uuid: string): boolean {
    const pod = this.byUuid.get(uuid);
    if (!pod) return false;
    this.byUuid.delete(uuid);
    this.byToken.delete(pod.token);
    return true;
  }

  get size(): number {
    return this.byUuid.size;
  }

  /** Drops the pods whose process has ended; returns their UUIDs. */
  sweep(): string[] {
    const gone: string[] = [];
    for (const pod of [...this.byUuid.values()]) {
      if (pod.process && processStart(pod.process.pid) !== pod.process.start) {
        this.remove(pod.uuid);
        gone.push(pod.uuid);
      }
    }
    return gone;
  }
}
