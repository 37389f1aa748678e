// rkt's long-running services (api-service, metadata-service) run as programs of their own
// packages, loaded only by their command: the CLI checks the flags, then asks the launcher
// to exec the service in rkt's place. The service keeps the PID the user (or systemd)
// started, so signals reach it directly and socket activation's LISTEN_PID names it; the
// sockets systemd passed as fds 3... were kept by the launcher for it.
import { encodeInvocation, launcherClient, RktContext } from "@rkt/stage0";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";

/** The launcher's own variables: the service does not talk to a launcher. */
const LAUNCHER_ENV = ["RKT_LAUNCHER_FD"];

function serviceProgram(pkg: string): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${pkg}/package.json`)), "dist", "main.js");
}

export function execService<T>(ctx: CommandContext, pkg: string, options: T): number {
  // Resolving the context checks the global flags and the data directory before the exec.
  const rkt: RktContext = rktContext(ctx);
  const global = { ...ctx.global, dir: rkt.dataDir };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !LAUNCHER_ENV.includes(k)) env[k] = v;
  const program = serviceProgram(pkg);
  launcherClient().exec({
    path: process.execPath,
    argv: [process.execPath, program, encodeInvocation({ global, options })],
    env,
    cwd: "/",
  });
  return 0;
}
