// --port: the pod manifest's exposed ports (name, host port, host IP) matched against the
// ports the apps' images declare, as rkt's ForwardedPorts did. Checked when the pod is
// prepared, so a wrong name fails before anything is made.
import type { App, PodManifest } from "@rkt/stage1-api";
import type { PortRequest } from "@rkt/net";
import { RktError } from "../errors.js";

/** `apps`: each app's effective app section (a pod manifest may leave it to the image). */
export function resolvePorts(manifest: PodManifest, apps: (App | undefined)[] = manifest.apps.map((a) => a.app)): PortRequest[] {
  const out: PortRequest[] = [];
  const seen = new Map<string, number>();
  for (const ep of manifest.ports ?? []) {
    const port = apps.flatMap((a) => a?.ports ?? []).find((p) => p.name === ep.name);
    if (!port) throw new RktError(`port name ${JSON.stringify(ep.name)} could not be found in any apps`);
    const proto = port.protocol.toLowerCase();
    if (proto !== "tcp" && proto !== "udp") throw new RktError(`port ${ep.name}: cannot forward protocol ${JSON.stringify(port.protocol)} (tcp and udp only)`);
    const key = `${proto}-${ep.hostIP ?? "0.0.0.0"}:${ep.hostPort}`;
    const mapped = seen.get(key);
    if (mapped !== undefined) throw new RktError(`port ${key} already mapped to pod port ${mapped}`);
    seen.set(key, port.port);
    out.push({ proto, hostPort: ep.hostPort, podPort: port.port, ...(ep.hostIP ? { hostIP: ep.hostIP } : {}) });
  }
  return out;
}
