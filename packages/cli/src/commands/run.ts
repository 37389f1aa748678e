// rkt run: prepare a pod and hand it to its stage1 in rkt's place.
import { checkMetadataService, preparePod, startPod } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";
import { parseNet } from "./net-flags.js";
import { parseApps, prepareRequest } from "./pod-flags.js";
import { parseDns, parseIpc } from "./runtime-flags.js";

export async function run(ctx: CommandContext): Promise<number> {
  const line = parseApps(ctx);
  const { flags } = line;
  const net = parseNet(flags.list("net"));
  const interactive = flags.bool("interactive");
  const hostname = flags.has("hostname") ? flags.string("hostname") : undefined;
  const ipc = parseIpc(flags.string("ipc"));
  const dns = parseDns(flags);
  const mdsRegister = flags.bool("mds-register");
  const request = prepareRequest(line, { interactive, hostname, explicitNet: net?.map((n) => n.name), ipc, metadataService: mdsRegister });
  if (interactive && request.apps.length > 1) {
    ctx.out.error("interactive option only supports one image");
    return 254;
  }
  const rkt = rktContext({ ...ctx, global: line.global });
  const nets = net ?? [{ name: "default" }];
  // Before anything is made: a pod to register needs a service to register with.
  if (mdsRegister) await checkMetadataService();
  const prepared = await preparePod(rkt, { ...request, net: nets });
  await startPod(rkt, prepared, {
    interactive,
    hostname,
    net: nets,
    ipc,
    mdsRegister,
    ...dns,
  });
  rkt.close();
  return 0;
}
