// stage0's networking calls. Before a pod's stage1 runs, stage0 makes the pod's network
// namespace and joins its CNI networks (rkt's stage1 did this; here the namespace is ready
// when the stage1 is asked for its launch plan, so every flavor gets the same networking):
// the stage1 gets the namespace in RuntimeOptions.network. At gc, after the stage1's gc,
// stage0 undoes it from what the pod directory recorded.
import {
  planNetworks,
  setupPodNetwork,
  teardownPodNetwork,
  type NetLog,
  type PodNetworkSetup,
  type PortRequest,
} from "@rkt/net";
import type { NetworkRequest, PodNetwork } from "@rkt/stage1-api";
import type { RktContext } from "../context.js";
import { RktError } from "../errors.js";
import type { Pod } from "./pods.js";

function netLog(ctx: RktContext): NetLog {
  return { warn: (m) => ctx.reporter.log("networking", m), debug: (m) => ctx.reporter.debugLog("networking", m) };
}

/** rkt's words for a network that could not be set up (its stage1 said them). Bugs stay bugs. */
function setupFailed(err: unknown): Error {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) return err;
  return new RktError(`stage1: failed to setup network: ${(err as Error).message}`, { cause: err });
}

/** Checks a --net list against the configured networks without making anything. */
export function checkNetworks(ctx: RktContext, requests: NetworkRequest[]): void {
  if (requests.some((r) => r.name === "host")) return;
  try {
    planNetworks(requests, ctx.configDirs.local);
  } catch (err) {
    throw setupFailed(err);
  }
}

export interface StartedNetwork {
  network: PodNetwork;
  /** The DNS settings a CNI network returned (for the pod's resolv.conf). */
  dns?: PodNetworkSetup["dns"];
  /** The host's address on the pod's forwardable network (where the pod reaches the host). */
  hostIP?: string;
}

/**
 * The network a pod starts with: the host's, or (stage0Network) a namespace of its own
 * with its CNI networks and port forwards in place. A stage1 that sets up its own
 * networks (own-network) gets neither.
 */
export async function startPodNetwork(
  ctx: RktContext,
  pod: Pod,
  ports: PortRequest[],
  requests: NetworkRequest[],
  decision: { privateNetwork: boolean; stage0Network: boolean },
): Promise<StartedNetwork> {
  if (!decision.privateNetwork) return { network: { host: true } };
  if (!decision.stage0Network) return { network: { host: false } };
  try {
    const setup = await setupPodNetwork({
      podDir: pod.dir,
      uuid: pod.uuid,
      requests,
      localConfigDir: ctx.configDirs.local,
      ports,
      log: netLog(ctx),
    });
    return {
      network: { host: false, netnsPath: setup.netnsPath, interfaces: setup.interfaces },
      ...(setup.dns ? { dns: setup.dns } : {}),
      ...(setup.hostIP ? { hostIP: setup.hostIP } : {}),
    };
  } catch (err) {
    if (err instanceof RktError) throw err;
    throw setupFailed(err);
  }
}

/**
 * Undoes what startPodNetwork made, from the pod directory alone; a pod without networking
 * of stage0's has nothing to undo. A failure keeps the pod (its records say what is left)
 * so that another gc can finish the job.
 */
export async function releasePodNetwork(ctx: RktContext, pod: Pod): Promise<void> {
  const problems = await teardownPodNetwork(pod.dir, netLog(ctx));
  if (problems.length > 0) {
    throw new RktError(`cannot tear down the network of pod ${pod.uuid}: ${problems.join("; ")}; run gc again once that is fixed`);
  }
}
