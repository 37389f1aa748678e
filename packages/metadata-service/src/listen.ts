// Where the metadata service listens: the registration socket (the one systemd passes, else
// /run/rkt/metadata-svc.sock, made by the service for root alone) and the apps' TCP port
// on every IPv4 address, as rkt's (the pods reach it at their gateway to the host).
import { METADATA_SERVICE_SOCKET, RktError } from "@rkt/stage0";
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import type { Server } from "node:http";
import { connect } from "node:net";
import { dirname } from "node:path";

function listen(server: Server, where: { fd: number } | { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(where, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Whether something answers on a unix socket path. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path, () => (c.destroy(), resolve(true)));
    c.on("error", () => resolve(false));
  });
}

/** Listens for registrations; returns the socket path to remove at exit (none when systemd made it). */
export async function listenRegistration(server: Server, activated: number[]): Promise<string | undefined> {
  if (activated.length > 0) {
    await listen(server, { fd: activated[0]! });
    return undefined;
  }
  const path = METADATA_SERVICE_SOCKET;
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  let existing;
  try {
    existing = lstatSync(path);
  } catch {
    // nothing there
  }
  if (existing) {
    if (!existing.isSocket()) throw new RktError(`${path} exists and is not a socket: remove it, or choose what owns it`);
    if (await answers(path)) throw new RktError(`a metadata service is already running on ${path}`);
    unlinkSync(path); // left by a service that was killed
  }
  const umask = process.umask(0o077);
  try {
    await listen(server, { path });
  } catch (err) {
    throw new RktError(`cannot listen on ${path}: ${(err as Error).message}`);
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return path;
}

export async function listenApps(server: Server, port: number): Promise<void> {
  try {
    await listen(server, { host: "0.0.0.0", port });
  } catch (err) {
    throw new RktError(`error listening on port ${port}: ${(err as Error).message}`);
  }
}
