// What a pod's networking leaves in its directory, so that gc can undo it from the disk
// alone, whatever happened to the pod's processes or its stage1:
//
//   netns            the namespace's path (rkt's file)
//   net/<file>       the configuration of each network, as used for ADD (DEL uses the same)
//   net/state.json   the namespace, CNI_PATH, each attachment (written before its ADD, with
//                    the ADD result after it) and the port forwards
//   net-info.json    rkt's summary for rkt list / rkt status
//
// state.json only exists for networking made by rkt-ts's stage0 (an rkt stage1 image writes
// netns and net/ of its own and tears them down itself).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PortForward } from "./portfwd.js";

export const NET_DIR = "net";
export const STATE_FILE = join(NET_DIR, "state.json");
export const NETNS_FILE = "netns";
export const NET_INFO_FILE = "net-info.json";

export interface AttachmentState {
  netName: string;
  /** The configuration's copy, relative to the pod directory (net/99-default.conf). */
  confFile: string;
  ifName: string;
  args?: string;
  /** The ADD result; absent while ADD runs or when it failed. */
  result?: unknown;
  pluginPath?: string;
}

export interface PodNetState {
  version: 1;
  /** CNI_CONTAINERID: the pod's UUID. */
  containerId: string;
  netns: string;
  cniPath: string[];
  attachments: AttachmentState[];
  /**
   * `routeLocalnet`: the host interface's route_localnet before the forwards set it ("0" or
   * "1"), restored when the last pod forwarding through the interface goes.
   */
  portForwards?: { hostInterface?: string; routeLocalnet?: string; forwards: PortForward[] };
}

/** One entry of rkt's net-info.json. */
export interface NetInfo {
  netName: string;
  netConf: string;
  pluginPath: string;
  ifName: string;
  ip: string;
  args: string;
  mask: string;
}

function writeJson(path: string, value: unknown, indent?: number): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, indent)}\n`, { mode: 0o640 });
  renameSync(tmp, path);
}

export function writeState(podDir: string, state: PodNetState): void {
  mkdirSync(join(podDir, NET_DIR), { recursive: true, mode: 0o750 });
  writeJson(join(podDir, STATE_FILE), state, 2);
}

export function readState(podDir: string): PodNetState | undefined {
  let text: string;
  try {
    text = readFileSync(join(podDir, STATE_FILE), "utf8");
  } catch {
    return undefined;
  }
  const s = JSON.parse(text) as PodNetState;
  if (s.version !== 1 || typeof s.containerId !== "string" || !Array.isArray(s.attachments)) {
    throw new Error(`${join(podDir, STATE_FILE)} is not a network state this rkt understands`);
  }
  return s;
}

/** Whether the pod has networking of stage0's still to tear down. */
export function hasNetworkState(podDir: string): boolean {
  return existsSync(join(podDir, STATE_FILE));
}

export function clearState(podDir: string): void {
  rmSync(join(podDir, STATE_FILE), { force: true });
}

export function writeNetInfo(podDir: string, info: NetInfo[]): void {
  writeJson(join(podDir, NET_INFO_FILE), info);
}

export function writeNetnsFile(podDir: string, path: string): void {
  writeFileSync(join(podDir, NETNS_FILE), path, { mode: 0o640 });
}
