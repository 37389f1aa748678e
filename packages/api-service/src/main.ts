// The program of `rkt api-service` (the CLI execs it in rkt's place): opens the sockets,
// serves the PublicAPI until SIGINT or SIGTERM, then closes every connection and exits 0.
import grpc from "@grpc/grpc-js";
import { decodeInvocation, listenFds, onShutdown, RKT_COMPAT_VERSION, RKT_VERSION, RktContext, serviceLogger } from "@rkt/stage0";
import type { Socket } from "node:net";
import { openListeners } from "./listen.js";
import { NO_LOG_STORE } from "./logs.js";
import { createApiServer } from "./server.js";

export interface ApiServiceOptions {
  /** --listen; empty for the default (or socket activation). */
  listen: string;
}

async function main(): Promise<void> {
  const inv = decodeInvocation<ApiServiceOptions>(process.argv);
  const out = serviceLogger("api-service", inv.global.debug);
  out.log("API service starting...");
  const rkt = new RktContext(inv.global, {
    warn: out.log,
    debug: out.debug,
    log: (prefix, m) => out.log(`${prefix}: ${m}`),
    debugLog: (prefix, m) => out.debug(`${prefix}: ${m}`),
    stderr: (t) => void process.stderr.write(t),
  });
  const { server, close } = createApiServer({
    global: { ...inv.global, dir: rkt.dataDir },
    rktVersion: `${RKT_COMPAT_VERSION}+rkt-ts.${RKT_VERSION}`,
    pods: rkt.pods,
    store: rkt.store,
    logs: NO_LOG_STORE,
    log: out.log,
  });
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  // The open connections, whose end shutdown waits for: Node's http2 says a session is
  // closed before its last frames (a stream's trailers, GOAWAY) are on the wire, and exiting
  // then would drop them.
  const connections = new Set<Socket>();
  const { servers, where } = await openListeners(listenFds(), inv.options.listen, (socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
    injector.injectConnection(socket);
  });
  out.log(`Listening on ${where}`);
  out.log("API service running");
  onShutdown(async () => {
    out.log("API service exiting...");
    close();
    for (const s of servers) s.close();
    // Calls in flight get a moment to finish; then every connection is closed.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        const ends = [...connections].map((s) => new Promise<void>((r) => s.once("close", () => r())));
        void Promise.all(ends).then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    });
    injector.destroy();
    rkt.close();
  });
}

main().catch((err: Error) => {
  process.stderr.write(`api-service: ${err.message}\n`);
  process.exit(254);
});
