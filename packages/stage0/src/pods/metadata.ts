// Registering a pod with the metadata service (`rkt run --mds-register`), as rkt's stage0
// did: over the service's unix socket, the pod manifest under a fresh random token, then each
// app's image manifest; `<pod>/mds-registered` records that it was done, so that gc (or a
// failed start) unregisters it. rkt-ts also tells the service the pod's addresses (only
// requests from them may use the token) and the pod's process (the service drops the pod
// when that process ends: the token dies with the pod, not at gc).
import { appInfoDir, podLayout } from "@rkt/stage1-api";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RktError } from "../errors.js";
import type { Pod } from "./pods.js";

export const METADATA_SERVICE_SOCKET = "/run/rkt/metadata-svc.sock";
export const METADATA_SERVICE_PORT = 18112;
const REGISTERED_FILE = "mds-registered";

const UNREACHABLE =
  "could not reach the metadata service.\n" +
  "Make sure metadata service is currently running or use\n" +
  '"rkt run --mds-register=false" to skip pod registration.\n' +
  "For more information on running metadata service, see rkt metadata-service --help";

export interface Registration {
  token: string;
  /** AC_METADATA_URL: http://HOST:18112/TOKEN. */
  url?: string;
}

/** rkt's patience: a service that is still starting gets three tries, a second apart. */
const TRIES = 3;
const PAUSE_MS = 1000;

async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof RktError) || i >= TRIES) throw err;
      await new Promise((r) => setTimeout(r, PAUSE_MS));
    }
  }
}

function request(method: "PUT" | "DELETE", path: string, body?: Buffer): Promise<number> {
  return retried(() => requestOnce(method, path, body));
}

async function requestOnce(method: "PUT" | "DELETE", path: string, body?: Buffer): Promise<number> {
  const { request: httpRequest } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath: METADATA_SERVICE_SOCKET, method, path, headers: { "content-type": "application/json" }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("the metadata service did not answer in 10 s")));
    req.on("error", (err: NodeJS.ErrnoException) => reject(["ENOENT", "ECONNREFUSED", "ENOTSOCK"].includes(err.code ?? "") ? new RktError(UNREACHABLE) : err));
    req.end(body);
  });
}

async function put(path: string, body: Buffer): Promise<void> {
  const status = await request("PUT", path, body);
  if (status !== 200) throw new RktError(`failed to register the pod with the metadata service: PUT ${path.replace(/\?.*/, "")} returned ${status}`);
}

/** The check before a pod is made (run) or moves to run/ (run-prepared): the service is there. */
export async function checkMetadataService(): Promise<void> {
  const { connect } = await import("node:net");
  await retried(
    () =>
      new Promise<void>((resolve, reject) => {
        const c = connect(METADATA_SERVICE_SOCKET, () => (c.destroy(), resolve()));
        c.on("error", () => reject(new RktError(UNREACHABLE)));
      }),
  );
}

export interface RegisterOptions {
  /** Where the pod reaches the host: the URL's host. Absent for a stage1 with its own network. */
  host?: string;
  /** The pod's own addresses (the requests it sends come from them). */
  ips: string[];
  /** The process whose end ends the pod (the launcher's, which becomes the pod's). */
  pid?: number;
}

export async function registerPod(pod: Pod, opts: RegisterOptions): Promise<Registration> {
  const token = randomBytes(32).toString("hex");
  const query = new URLSearchParams({ token });
  for (const ip of opts.ips) query.append("ip", ip);
  if (opts.pid !== undefined) query.set("pid", String(opts.pid));
  const manifest = readFileSync(pod.file(podLayout.manifest));
  await put(`/pods/${pod.uuid}?${query}`, manifest);
  try {
    writeFileSync(pod.file(REGISTERED_FILE), "");
    for (const app of (JSON.parse(manifest.toString("utf8")) as { apps: { name: string }[] }).apps) {
      await put(`/pods/${pod.uuid}/${encodeURIComponent(app.name)}`, readFileSync(join(appInfoDir(pod.dir, app.name), "manifest")));
    }
  } catch (err) {
    await unregisterPod(pod).catch(() => {});
    throw err;
  }
  const url = opts.host ? `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${METADATA_SERVICE_PORT}/${token}` : undefined;
  return { token, ...(url ? { url } : {}) };
}

/**
 * Unregisters a pod that was registered (gc, a start that failed). A pod the service forgot,
 * or a service that is not running (it keeps its pods in memory), leaves nothing to undo.
 */
export async function unregisterPod(pod: Pod): Promise<void> {
  if (!existsSync(pod.file(REGISTERED_FILE))) return;
  let status: number;
  try {
    // Once: a service that is not there has nothing of the pod's to forget.
    status = await requestOnce("DELETE", `/pods/${pod.uuid}`);
  } catch (err) {
    if (!(err instanceof RktError)) throw err;
    status = 404;
  }
  if (status !== 200 && status !== 404) throw new RktError(`could not unregister pod ${pod.uuid} with the metadata service: DELETE returned ${status}`);
  rmSync(pod.file(REGISTERED_FILE), { force: true });
}
