// What rkt's long-running services share: how the CLI hands the command over to the
// service's own program, how the service logs, and how it shuts down on SIGINT or SIGTERM.
import type { GlobalFlags } from "../context.js";
import { RktError } from "../errors.js";

/** What the CLI passes to a service's program (as one JSON argument). */
export interface ServiceInvocation<T> {
  global: GlobalFlags;
  options: T;
}

export function encodeInvocation<T>(inv: ServiceInvocation<T>): string {
  return JSON.stringify(inv);
}

export function decodeInvocation<T>(argv: string[]): ServiceInvocation<T> {
  const arg = argv[2];
  try {
    if (arg === undefined) throw new Error("no argument");
    const inv = JSON.parse(arg) as ServiceInvocation<T>;
    if (typeof inv !== "object" || inv === null || typeof inv.global !== "object") throw new Error("not an invocation");
    return inv;
  } catch (err) {
    throw new RktError(`this program is started by rkt (rkt api-service, rkt metadata-service), not directly: ${(err as Error).message}`);
  }
}

/** A service's messages on stderr, prefixed as rkt's ("api-service: API service running"). */
export function serviceLogger(name: string, debug: boolean): { log(m: string): void; debug(m: string): void } {
  const write = (m: string): void => void process.stderr.write(`${name}: ${m}\n`);
  return { log: write, debug: (m) => debug && write(m) };
}

/**
 * Calls `stop` once on the first SIGINT or SIGTERM and exits 0 when it is done; a second
 * signal during the shutdown exits at once.
 */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) process.exit(0);
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`error during shutdown: ${err.message}\n`);
        process.exit(254);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
