// A pod as the API describes it (rkt's api_service.go semantics), read from the pod's
// directory with stage0's readers: the state from its directory and lock, the apps' images
// and exit codes, networks, times in nanoseconds and the cgroup of a running pod.
import { APPC_VERSION, podStatus, type Pod as StoredPod, type PodState as StoredState, type PodStatus } from "@rkt/stage0";
import { labelValue } from "@rkt/store";
import { appInfoDir, podLayout } from "@rkt/stage1-api";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { keyValues, type App, type Int64, type Network, type Pod, type PodState } from "./messages.js";

const STATES: Record<StoredState, PodState> = {
  embryo: "POD_STATE_EMBRYO",
  preparing: "POD_STATE_PREPARING",
  "aborted prepare": "POD_STATE_ABORTED_PREPARE",
  prepared: "POD_STATE_PREPARED",
  running: "POD_STATE_RUNNING",
  exited: "POD_STATE_EXITED",
  "exited deleting": "POD_STATE_DELETING",
  deleting: "POD_STATE_DELETING",
  "exited garbage": "POD_STATE_GARBAGE",
  garbage: "POD_STATE_GARBAGE",
  gone: "POD_STATE_UNDEFINED",
};

/** States after the pod ran: its apps' exit codes are read (0 for an app that left none, as rkt). */
const RAN: StoredState[] = ["running", "exited", "exited deleting", "deleting", "exited garbage", "garbage"];

function nanos(path: string, field: "mtimeNs" | "ctimeNs"): Int64 {
  try {
    return statSync(path, { bigint: true })[field].toString();
  } catch {
    return "0";
  }
}

function readBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  return readBytes(path)?.toString("utf8");
}

/**
 * The cgroup of a running pod: what the stage1 wrote to `subcgroup` (rkt's machined
 * registration), else the systemd cgroup of the pod's PID 1 (the unified one on a host
 * without a name=systemd hierarchy), without systemd's init.scope.
 */
export function podCgroup(podDir: string, pid: number | undefined): string {
  const sub = readText(join(podDir, "subcgroup"))?.trim();
  if (sub) return sub.startsWith("/") ? sub : `/${sub}`;
  if (pid === undefined) return "";
  const lines = readText(`/proc/${pid}/cgroup`)?.split("\n") ?? [];
  const path = (prefix: string): string | undefined => lines.find((l) => l.split(":")[1] === prefix)?.split(":").slice(2).join(":");
  const cgroup = path("name=systemd") ?? lines.find((l) => l.startsWith("0::"))?.slice(3) ?? "";
  return cgroup.replace(/\/init\.scope$/, "");
}

function networks(s: PodStatus): Network[] {
  return s.networks.map((n) => {
    const ip = n.ip ?? "";
    return { name: n.netName, ipv4: ip.includes(":") ? "" : ip, ipv6: ip.includes(":") ? ip : "" };
  });
}

function apps(pod: StoredPod, s: PodStatus): App[] {
  const ran = RAN.includes(s.state);
  return (s.manifest?.apps ?? []).map((ra, i) => {
    const status = s.apps[i]!;
    let version = "latest";
    let name = "";
    // The app's image manifest as the pod has it (a pod whose copy is gone still lists).
    try {
      const im = JSON.parse(readFileSync(join(appInfoDir(pod.dir, ra.name), "manifest"), "utf8")) as { name?: string; labels?: { name: string; value: string }[] };
      name = im.name ?? "";
      version = labelValue(im.labels, "version") ?? "latest";
    } catch {
      // name and version stay unknown
    }
    return {
      name: ra.name,
      image: {
        base_format: { type: "IMAGE_TYPE_APPC", version: APPC_VERSION },
        id: ra.image.id ?? "",
        name,
        version,
        import_timestamp: "0",
        size: "0",
        annotations: [],
        labels: [],
      },
      state: status.state === "exited" ? "APP_STATE_EXITED" : s.state === "running" ? "APP_STATE_RUNNING" : ran ? "APP_STATE_EXITED" : "APP_STATE_UNDEFINED",
      exit_code: ran ? (status.exitCode ?? 0) : -1,
      annotations: keyValues(ra.annotations),
    };
  });
}

/** The API's view of one pod; the manifest bytes only with `detail`. */
export function describePod(pod: StoredPod, detail: boolean): Pod {
  const s = podStatus(pod);
  const state = STATES[s.state];
  const base: Pod = {
    id: pod.uuid,
    pid: -1,
    state,
    apps: [],
    networks: [],
    annotations: [],
    cgroup: "",
    created_at: "0",
    started_at: "0",
    gc_marked_at: "0",
  };
  if (s.state === "embryo" || s.state === "gone") return base;
  const manifest = detail ? readBytes(pod.file(podLayout.manifest)) : undefined;
  const garbage = s.state === "exited garbage" || s.state === "garbage";
  return {
    ...base,
    pid: s.pid ?? -1,
    apps: apps(pod, s),
    networks: s.state === "running" || s.state === "exited" ? networks(s) : [],
    ...(s.manifest && manifest ? { manifest } : {}),
    annotations: keyValues(s.manifest?.annotations),
    cgroup: s.state === "running" ? podCgroup(pod.dir, s.pid) : "",
    created_at: s.createdAt ? nanos(pod.file(podLayout.created), "mtimeNs") : "0",
    started_at: s.startedAt ? startedNanos(pod) : "0",
    // When gc marked it: the time its directory was moved (renamed) to exited-garbage/garbage.
    gc_marked_at: garbage ? nanos(pod.dir, "ctimeNs") : "0",
  };
}

function startedNanos(pod: StoredPod): Int64 {
  const pid = nanos(pod.file(podLayout.pid), "mtimeNs");
  return pid !== "0" ? pid : nanos(pod.file(podLayout.ppid), "mtimeNs");
}
