// rkt's JSON form of a pod (lib.NewPodFromInternalPod), shared by list and status.
import type { NetInfo, PodStatus } from "@rkt/stage0";
import { nanos } from "../format.js";

export function formatNets(nets: NetInfo[]): string {
  return nets.map((n) => `${n.netName}:ip4=${n.ip ?? ""}`).join(", ");
}

export function podJson(s: PodStatus): unknown {
  return {
    name: s.uuid,
    state: s.state,
    networks: s.networks.map((n) => ({
      netName: n.netName,
      netConf: n.netConf ?? "",
      pluginPath: n.pluginPath ?? "",
      ifName: n.ifName ?? "",
      ip: n.ip ?? "",
      args: n.args ?? "",
      mask: n.mask ?? "",
    })),
    app_names: s.apps.map((a) => a.name),
    apps: s.apps.map((a) => ({
      name: a.name,
      state: a.state,
      created_at: nanos(s.createdAt?.getTime()),
      started_at: nanos(s.startedAt?.getTime()),
      finished_at: nanos(a.finishedAt?.getTime()),
      exit_code: a.exitCode ?? 0,
      image_id: a.imageId ?? "",
      mounts: a.mounts.map((m) => ({ name: m.name, container_path: m.containerPath, host_path: m.hostPath, read_only: m.readOnly })),
      user_annotations: a.userAnnotations ?? {},
      user_labels: a.userLabels ?? {},
    })),
    created_at: nanos(s.createdAt?.getTime()),
    started_at: nanos(s.startedAt?.getTime()),
    user_annotations: s.manifest?.userAnnotations ?? {},
    user_labels: s.manifest?.userLabels ?? {},
  };
}
