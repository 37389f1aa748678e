// Handing a prepared pod to its stage1: the pod moves to run/, the stage1 computes the
// pod's long-lived process, and rkt's launcher execs it in rkt's place once Node exits.
import type { NetworkRequest, RuntimeOptions } from "@rkt/stage1-api";
import { isStage1Error } from "@rkt/stage1-api";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import { launcherClient, takeLock } from "../locks.js";
import { checkCapabilities } from "../stage1/capabilities.js";
import { writeCniResolvConf, writeDnsFiles, type DnsConfig, type HostsEntry } from "./dns.js";
import { podContext } from "./layout.js";
import { checkMetadataService, registerPod, unregisterPod, type RegisterOptions } from "./metadata.js";
import { checkNetworks, releasePodNetwork, startPodNetwork, type StartedNetwork } from "./network.js";
import { loadPodStage1 } from "./pod-stage1.js";
import type { Pod } from "./pods.js";
import { resolvePorts } from "./ports.js";
import type { PreparedPod } from "./prepare.js";

export interface RuntimeRequest {
  interactive: boolean;
  hostname?: string;
  net: NetworkRequest[];
  ipc: RuntimeOptions["ipc"];
  dns: RuntimeOptions["dns"];
  /** --dns, --dns-search, --dns-opt, --dns-domain (resolv mode stage0). */
  dnsConfig?: DnsConfig;
  /** --hosts-entry (hosts mode stage0). */
  hostsEntries?: HostsEntry[];
  /** --mds-register: register the pod with the metadata service before its stage1 runs it. */
  mdsRegister?: boolean;
}

/** Where a registered pod reaches the metadata service, and the addresses its requests come from. */
function metadataTarget(started: StartedNetwork, stage0Network: boolean): RegisterOptions {
  // The pod becomes the launcher's process (this one's parent): the service watches it.
  const pid = process.ppid;
  if (started.network.host) return { host: "127.0.0.1", ips: ["127.0.0.1", "::1"], pid };
  if (!stage0Network) return { ips: [], pid };
  if (!started.hostIP) {
    throw new RktError("--mds-register: the pod's networks give it no gateway to the host, where the metadata service is; use a network with one (default, default-restricted)");
  }
  const ips = (started.network.interfaces ?? []).flatMap((i) => i.addresses.map((a) => a.address.replace(/\/\d+$/, "")));
  return { host: started.hostIP, ips, pid };
}

export async function startPod(ctx: RktContext, prepared: PreparedPod, runtime: RuntimeRequest): Promise<void> {
  const { pod, lock, stage1 } = prepared;
  if (pod.dirState !== "run") pod.moveTo("run");
  // The network exists before the stage1 is asked for its plan; if the pod never gets that
  // far, it is undone at once (a pod that did start has it undone by gc).
  const context = podContext(pod, (id) => ctx.store.paths.treeRootfs(id), prepared.manifest);
  const apps = prepared.manifest.apps.map((ra) => ra.app ?? context.apps.find((a) => a.name === ra.name)?.imageManifest.app);
  const started = await startPodNetwork(ctx, pod, resolvePorts(prepared.manifest, apps), runtime.net, prepared.network);
  let plan;
  try {
    const metadataService = runtime.mdsRegister ? await registerPod(pod, metadataTarget(started, prepared.network.stage0Network)) : undefined;
    writeDnsFiles(context.stage1Root, runtime.dns, runtime.dnsConfig, runtime.hostsEntries);
    let dns = runtime.dns;
    // rkt's default resolv mode: the first CNI network with DNS settings provides them.
    if (dns.resolv === "default" && started.dns) {
      writeCniResolvConf(context.stage1Root, started.dns.netName, started.dns.dns);
      dns = { ...dns, resolv: "stage0" };
    }
    const options: RuntimeOptions = {
      debug: ctx.debug,
      interactive: runtime.interactive,
      hostname: runtime.hostname,
      net: runtime.net,
      network: started.network,
      dns,
      ipc: runtime.ipc,
      insecure: { capabilities: ctx.insecure.capabilities, paths: ctx.insecure.paths, seccomp: ctx.insecure.seccomp },
      localConfigDir: ctx.configDirs.local,
      ...(metadataService ? { metadataService } : {}),
    };
    plan = await stage1.stage1.run({
      pod: context,
      options,
      lockFd: lock.fd,
    });
  } catch (err) {
    await unregisterPod(pod).catch((e: Error) => ctx.reporter.warn(e.message));
    await releasePodNetwork(ctx, pod).catch((e: Error) => ctx.reporter.warn(e.message));
    if (isStage1Error(err)) throw new RktError(err.message, { cause: err });
    throw err;
  }
  ctx.reporter.debug(`handing pod ${pod.uuid} to ${plan.argv.join(" ")}`);
  launcherClient().exec({ ...plan, keepFds: [...new Set([...(plan.keepFds ?? []), lock.fd])] });
}

/** rkt run-prepared: lock a prepared pod, move it to run/ and start it with its recorded stage1. */
export async function runPreparedPod(
  ctx: RktContext,
  pod: Pod,
  runtime: RuntimeRequest,
  explicitNet: string[] | undefined,
): Promise<void> {
  const quoted = JSON.stringify(pod.uuid);
  if (pod.state() !== "prepared") throw new RktError(`pod ${quoted} is not prepared`);
  const manifest = pod.manifest();
  if (runtime.interactive && manifest.apps.length > 1) throw new RktError("interactive option only supports pods with one app");
  const lock = takeLock(pod.dir, { exclusive: true, block: false });
  if (!lock) throw new RktError(`pod ${quoted} is being started by another process`);
  try {
    if (!pod.refresh() || pod.dirState !== "prepared") throw new RktError(`pod ${quoted} is not prepared`);
    const stage1 = await loadPodStage1(ctx, pod);
    const outcome = checkCapabilities(stage1.definition, {
      appCount: manifest.apps.length,
      interactive: runtime.interactive,
      hostname: runtime.hostname,
      explicitNet,
      emptyVolumes: false,
      ipc: runtime.ipc,
      ports: manifest.ports?.length ?? 0,
      metadataService: runtime.mdsRegister,
    });
    for (const w of outcome.warnings) ctx.reporter.warn(w);
    if (outcome.stage0Network) checkNetworks(ctx, runtime.net);
    // rkt's check: the service is there before the pod leaves prepared/ (it can be run again).
    if (runtime.mdsRegister) await checkMetadataService();
    pod.moveTo("run");
    await startPod(ctx, { pod, lock, stage1, manifest, network: outcome }, runtime);
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** rkt prepare's last step: the pod waits in prepared/, unlocked. */
export function finishPrepare(prepared: PreparedPod): void {
  prepared.pod.moveTo("prepared");
  prepared.lock.release();
}
