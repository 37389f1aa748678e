// The program of `rkt metadata-service` (the CLI execs it in rkt's place): registrations on
// the unix socket, the apps' requests on TCP, until SIGINT or SIGTERM.
import { decodeInvocation, listenFds, onShutdown, serviceLogger } from "@rkt/stage0";
import { rmSync } from "node:fs";
import type { IncomingMessage, Server } from "node:http";
import { PodSigner } from "./hmac.js";
import { serviceServer } from "./http.js";
import { listenApps, listenRegistration } from "./listen.js";
import { publicHandler } from "./public.js";
import { registrationHandler } from "./registration.js";
import { PodRegistry } from "./registry.js";

export interface MetadataServiceOptions {
  listenPort: number;
}

/** How often the service looks for pods whose process ended. */
const SWEEP_MS = 1000;

/** A request as the log shows it: the token (a secret) left out. */
function logged(req: IncomingMessage, status: number, registration: boolean): string {
  const url = req.url ?? "";
  const shown = registration ? url.replace(/([?&]token=)[^&]*/, "$1…") : url.replace(/^\/[^/]*/, "/…");
  return `${req.method} ${shown} - ${status}`;
}

async function main(): Promise<void> {
  const inv = decodeInvocation<MetadataServiceOptions>(process.argv);
  const out = serviceLogger("metadata-service", inv.global.debug);
  out.log("metadata service starting...");
  const pods = new PodRegistry();
  const signer = new PodSigner();
  const registration = serviceServer(registrationHandler(pods, out.log), (req, status) => out.debug(logged(req, status, true)));
  const apps = serviceServer(publicHandler(pods, signer), (req, status) => out.log(logged(req, status, false)));
  const socketPath = await listenRegistration(registration, listenFds());
  await listenApps(apps, inv.options.listenPort);
  const sweeper = setInterval(() => {
    for (const uuid of pods.sweep()) out.log(`pod ${uuid} ended: unregistered`);
  }, SWEEP_MS);
  out.log("metadata service running...");
  onShutdown(async () => {
    out.log("metadata service exiting...");
    clearInterval(sweeper);
    await Promise.all([registration, apps].map(closeServer));
    if (socketPath) rmSync(socketPath, { force: true });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

main().catch((err: Error) => {
  process.stderr.write(`metadata-service: ${err.message}\n`);
  process.exit(254);
});
