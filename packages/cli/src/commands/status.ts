// rkt status: key=value lines (or JSON) about one pod, optionally waiting for it.
import { podStatus, RktError, type Pod, type PodState } from "@rkt/stage0";
import { podLayout, supervisorReady } from "@rkt/stage1-api";
import { join } from "node:path";
import type { CommandContext } from "../command.js";
import { parseDuration, UsageError } from "../flags.js";
import { goTime, jsonStringify } from "../format.js";
import { rktContext } from "./context.js";
import { formatNets, podJson } from "./pod-info.js";
import { podArgs } from "./uuid.js";

const POLL_MS = 100;
const FINISHED: PodState[] = ["exited", "exited garbage", "exited deleting", "garbage", "deleting", "aborted prepare", "gone"];

/** --wait / --wait-ready values: true = forever, false or 0 = no wait, duration = timeout. */
function waitLimit(ctx: CommandContext, flag: string): number | undefined {
  if (!ctx.flags.has(flag)) return undefined;
  const v = ctx.flags.string(flag);
  if (v === "true") return Infinity;
  if (v === "false") return undefined;
  const ms = parseDuration(v);
  if (ms === undefined) throw new UsageError(`invalid value ${JSON.stringify(v)} for --${flag}: use true, false or a duration`, false);
  if (ms === 0) return undefined;
  return ms < 0 ? Infinity : ms;
}

async function waitFor(limit: number, done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + limit;
  while (!done()) {
    if (Date.now() >= deadline) throw new RktError(`error waiting for pod to ${what}: timed out`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}


export async function run(ctx: CommandContext): Promise<number> {
  const [id] = podArgs(ctx, { single: true });
  const format = ctx.flags.string("format");
  if (format !== "" && format !== "json" && format !== "json-pretty") {
    throw new UsageError(`unknown format ${JSON.stringify(format)}: use json or json-pretty`, false);
  }
  const rkt = rktContext(ctx);
  const pod = rkt.pods.find(id!);
  const waitReady = waitLimit(ctx, "wait-ready");
  if (waitReady !== undefined) {
    await waitFor(waitReady, () => supervisorReady(join(pod.dir, podLayout.stage1Root)) || FINISHED.includes(pod.state()), "be ready");
  }
  const wait = waitLimit(ctx, "wait");
  if (wait !== undefined) await waitFor(wait, () => FINISHED.includes(pod.state()), "finish");

  const s = podStatus(pod);
  if (format !== "") {
    ctx.out.line(jsonStringify(podJson(s), format === "json-pretty"));
    return 0;
  }
  const lines = [`state=${s.state}`];
  if (s.createdAt) lines.push(`created=${goTime(s.createdAt)}`);
  if (s.startedAt) lines.push(`started=${goTime(s.startedAt)}`);
  if (s.state === "running" || s.state === "exited") lines.push(`networks=${formatNets(s.networks)}`);
  const ran: PodState[] = ["running", "deleting", "exited deleting", "exited", "exited garbage"];
  if (ran.includes(s.state)) {
    if (s.pid !== undefined) lines.push(`pid=${s.pid}`);
    if (s.hypervisor !== undefined) lines.push(`hypervisor=${s.hypervisor}`);
    lines.push(`exited=${s.state === "exited" || s.state === "exited garbage"}`);
    if (s.state !== "running") for (const a of s.apps) if (a.exitCode !== undefined) lines.push(`app-${a.name}=${a.exitCode}`);
  }
  ctx.out.stdout(lines.map((l) => `${l}\n`).join(""));
  rkt.close();
  return 0;
}
