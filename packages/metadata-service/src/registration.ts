// The registration side (the unix socket, root only): rkt run registers a pod and its apps,
// gc unregisters it. rkt's routes: PUT /pods/UUID?token=T, PUT /pods/UUID/APP, DELETE /pods/UUID;
// rkt-ts's stage0 adds ip=ADDR (repeated) and pid=PID to the pod's registration.
import { isACName } from "@rkt/appc";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { HttpError, pathSegments, readBody, send, TEXT } from "./http.js";
import { processStart, type ImageManifestView, type PodManifestView, type PodRegistry, type RegisteredPod } from "./registry.js";

const MAX_MANIFEST = 4 << 20;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A token travels in a URL path: URL-safe characters, and at least 128 bits' worth (the spec's minimum). */
const TOKEN_RE = /^[A-Za-z0-9._~-]{32,256}$/;

function uuidOf(s: string): string {
  const uuid = s.toLowerCase();
  if (!UUID_RE.test(uuid)) throw new HttpError(400, `UUID is missing or malformed: ${JSON.stringify(s.slice(0, 64))}`);
  return uuid;
}

function parseJson<T>(body: Buffer, what: string, check: (v: unknown) => v is T): T {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new HttpError(400, `JSON-decoding failed: ${(err as Error).message}`);
  }
  if (!check(value)) throw new HttpError(400, `not ${what}`);
  return value;
}

const isNameValues = (v: unknown): boolean =>
  v === undefined || v === null || (Array.isArray(v) && v.every((a) => typeof a?.name === "string" && typeof a?.value === "string"));

function isPodManifest(v: unknown): v is PodManifestView {
  const m = v as PodManifestView;
  return (
    typeof m === "object" &&
    m !== null &&
    Array.isArray(m.apps) &&
    m.apps.every((a) => typeof a?.name === "string" && isACName(a.name) && typeof a.image === "object" && a.image !== null && isNameValues(a.annotations)) &&
    isNameValues(m.annotations)
  );
}

function isImageManifest(v: unknown): v is ImageManifestView {
  return typeof v === "object" && v !== null && !Array.isArray(v) && isNameValues((v as ImageManifestView).annotations);
}

export function registrationHandler(pods: PodRegistry, log: (m: string) => void) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const seg = pathSegments(req.url ?? "/");
    if (seg[0] !== "pods" || seg.length < 2 || seg.length > 3) throw new HttpError(404, "not found");
    const allowed = seg.length === 2 ? "PUT, DELETE" : "PUT";
    if (!allowed.split(", ").includes(req.method ?? "")) throw new HttpError(405, "method not allowed", { allow: allowed });
    const uuid = uuidOf(seg[1]!);

    if (req.method === "DELETE") {
      if (!pods.remove(uuid)) throw new HttpError(404, "pod not found");
      log(`pod ${uuid} unregistered`);
      return send(res, 200, TEXT, "");
    }

    if (seg.length === 3) {
      const app = seg[2]!;
      if (!isACName(app)) throw new HttpError(400, `app name ${JSON.stringify(app.slice(0, 64))} is not a valid AC name`);
      const body = await readBody(req, MAX_MANIFEST);
      const pod = pods.get(uuid);
      if (!pod) throw new HttpError(404, "Pod with given UUID not found");
      if (!pod.manifest.apps.some((a) => a.name === app)) throw new HttpError(404, `app ${app} is not in the pod's manifest`);
      pod.apps.set(app, { bytes: body, manifest: parseJson(body, "an image manifest", isImageManifest) });
      return send(res, 200, TEXT, "");
    }

    const query = new URL(req.url ?? "/", "http://unix").searchParams;
    const token = query.get("token") ?? "";
    if (token === "") throw new HttpError(400, "token missing");
    if (!TOKEN_RE.test(token)) throw new HttpError(400, "token malformed: 32 to 256 URL-safe characters (A-Z a-z 0-9 . _ ~ -)");
    const ips = query.getAll("ip");
    for (const ip of ips) if (!isIP(ip)) throw new HttpError(400, `ip ${JSON.stringify(ip.slice(0, 64))} is not an IP address`);
    let proc: RegisteredPod["process"];
    const pidArg = query.get("pid");
    if (pidArg !== null) {
      const start = /^[1-9]\d{0,9}$/.test(pidArg) ? processStart(Number(pidArg)) : undefined;
      if (start === undefined) throw new HttpError(400, `pid ${JSON.stringify(pidArg.slice(0, 16))} is not a running process`);
      proc = { pid: Number(pidArg), start };
    }
    const body = await readBody(req, MAX_MANIFEST);
    const manifest = parseJson(body, "a pod manifest", isPodManifest);
    if (pods.byTokenOf(token) && pods.byTokenOf(token)!.uuid !== uuid) throw new HttpError(409, "token already in use");
    pods.add({ uuid, token, manifestBytes: body, manifest, apps: new Map(), ips: new Set(ips), ...(proc ? { process: proc } : {}) });
    log(`pod ${uuid} registered`);
    send(res, 200, TEXT, "");
  };
}
