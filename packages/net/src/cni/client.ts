// A network's ADD, DEL and CHECK, as libcni runs them: a single-plugin network gets its file
// on stdin as is; a chain's plugins each get their own section with the network's name and
// cniVersion, and the previous plugin's result as prevResult. DEL walks the chain backwards.
// From spec 0.4.0 on, DEL and CHECK get the ADD result as prevResult.
import type { NetworkConfig } from "../config.js";
import { CniError, findPlugin, invokePlugin, type CniCommand } from "./invoke.js";
import { parseResult, type CniResult } from "./result.js";
import { passesPrevResult, supportsCheck } from "./version.js";

export interface Attachment {
  containerId: string;
  /** The netns path ("" for a DEL after the namespace is gone). */
  netns: string;
  ifName: string;
  /** CNI_ARGS. */
  args?: string;
  cniPath: string[];
}

export interface AddResult {
  /** The final result, as the last plugin printed it: DEL's and CHECK's prevResult. */
  raw: unknown;
  result: CniResult;
  /** The binary of the network's first (main) plugin. */
  pluginPath: string;
}

/** What plugin `index` of the network reads on stdin. */
export function pluginInput(net: NetworkConfig, index: number, prevResult?: unknown): Buffer {
  if (net.kind === "conf" && prevResult === undefined) return net.bytes;
  const conf: Record<string, unknown> = { ...net.plugins[index]!, name: net.name, cniVersion: net.cniVersion };
  if (prevResult !== undefined) conf.prevResult = prevResult;
  else delete conf.prevResult;
  return Buffer.from(JSON.stringify(conf));
}

async function call(net: NetworkConfig, index: number, command: CniCommand, at: Attachment, prevResult?: unknown): Promise<unknown> {
  const plugin = net.plugins[index]!;
  const pluginPath = findPlugin(plugin.type, at.cniPath);
  try {
    return await invokePlugin({
      pluginPath,
      command,
      containerId: at.containerId,
      netns: at.netns,
      ifName: at.ifName,
      ...(at.args !== undefined ? { args: at.args } : {}),
      cniPath: at.cniPath,
      stdin: pluginInput(net, index, prevResult),
      cniVersion: net.cniVersion,
    });
  } catch (err) {
    if (err instanceof CniError && net.plugins.length > 1) throw new CniError(`plugin ${plugin.type}: ${err.message}`, err.code);
    throw err;
  }
}

export async function addNetwork(net: NetworkConfig, at: Attachment): Promise<AddResult> {
  let prev: unknown;
  for (let i = 0; i < net.plugins.length; i++) {
    const out = await call(net, i, "ADD", at, i === 0 ? undefined : prev);
    if (out === undefined) throw new CniError(`plugin ${net.plugins[i]!.type} (ADD) printed no result`);
    prev = out;
  }
  return { raw: prev, result: parseResult(prev, net.cniVersion), pluginPath: findPlugin(net.plugins[0]!.type, at.cniPath) };
}

/**
 * Releases what ADD made. Every plugin of a chain is asked, even after one failed (each
 * holds its own resources: addresses, rules); the first failure is reported at the end.
 */
export async function delNetwork(net: NetworkConfig, at: Attachment, prevResult?: unknown): Promise<void> {
  const prev = passesPrevResult(net.cniVersion) ? prevResult : undefined;
  let first: unknown;
  for (let i = net.plugins.length - 1; i >= 0; i--) {
    try {
      await call(net, i, "DEL", at, prev);
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/** Asks every plugin whether what ADD made is still in place (spec 0.4.0 and later). */
export async function checkNetwork(net: NetworkConfig, at: Attachment, prevResult: unknown): Promise<void> {
  if (!supportsCheck(net.cniVersion)) {
    throw new CniError(`configuration version ${JSON.stringify(net.cniVersion)} does not support the CHECK command`);
  }
  if (prevResult === undefined) throw new CniError(`network ${net.name}: CHECK needs the result of its ADD`);
  for (let i = 0; i < net.plugins.length; i++) await call(net, i, "CHECK", at, prevResult);
}
