// Where the API service listens: the sockets systemd passed (socket activation), else the
// --listen address (rkt's default localhost:15441). Every accepted connection is handed to
// the gRPC server, so both ways serve alike.
import { RktError } from "@rkt/stage0";
import { lookup } from "node:dns/promises";
import { createServer, isIP, type Server, type Socket } from "node:net";

export const DEFAULT_LISTEN = "localhost:15441";

/** Splits rkt's HOST:PORT (Go's net.Listen syntax: "[::1]:15441", ":15441" for every address). */
export function parseListen(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new RktError(`could not open tcp socket: invalid --listen address ${JSON.stringify(addr)}: use HOST:PORT, e.g. ${DEFAULT_LISTEN}, 0.0.0.0:15441 or [::1]:15441`);
  }
  return { host: m[1] ?? m[2] ?? "", port };
}

function listenOn(server: Server, opts: { fd?: number; host?: string; port?: number; ipv6Only?: boolean }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.fd !== undefined ? { fd: opts.fd } : { host: opts.host, port: opts.port, ipv6Only: opts.ipv6Only }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Opens the listening sockets; `accept` gets each connection. A host name listens on each of
 * its addresses (localhost: 127.0.0.1 and ::1), an empty host on every address.
 */
export async function openListeners(activated: number[], listen: string | undefined, accept: (s: Socket) => void): Promise<{ servers: Server[]; where: string }> {
  const make = (): Server => createServer({ noDelay: true }, accept);
  if (activated.length > 0) {
    if (listen) throw new RktError("started under systemd.socket(5), but --listen passed! Quitting.");
    const servers = activated.map(() => make());
    await Promise.all(servers.map((s, i) => listenOn(s, { fd: activated[i]! })));
    return { servers, where: `${activated.length} systemd-provided socket(s)` };
  }
  const addr = listen || DEFAULT_LISTEN;
  const { host, port } = parseListen(addr);
  let hosts: string[];
  if (host === "") hosts = ["::"];
  else if (isIP(host)) hosts = [host];
  else {
    try {
      hosts = [...new Set((await lookup(host, { all: true })).map((a) => a.address))];
    } catch (err) {
      throw new RktError(`could not open tcp socket: cannot resolve ${JSON.stringify(host)}: ${(err as Error).message}`);
    }
  }
  const servers: Server[] = [];
  try {
    for (const h of hosts) {
      const s = make();
      servers.push(s);
      try {
        await listenOn(s, { host: h, port, ipv6Only: h !== "::" && h.includes(":") });
      } catch (err) {
        // Every address, on a host without IPv6: every IPv4 address.
        if (h !== "::" || !["EAFNOSUPPORT", "EADDRNOTAVAIL"].includes((err as NodeJS.ErrnoException).code ?? "")) throw err;
        await listenOn(s, { host: "0.0.0.0", port });
      }
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw new RktError(`could not open tcp socket: ${addr}: ${(err as Error).message}`);
  }
  return { servers, where: addr };
}
