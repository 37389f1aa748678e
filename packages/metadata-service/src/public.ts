// The apps' side (TCP): the appc metadata endpoints under /TOKEN/acMetadata/v1. A request is
// served only with a registered pod's token, and only from that pod's own addresses when it
// registered them: any other token, or a pod's token used from elsewhere, gets 403 with the
// same body, so a guess learns nothing. rkt answered 401 for an unknown token.
import { isACIdentifier, isACName } from "@rkt/appc";
import type { IncomingMessage, ServerResponse } from "node:http";
import { PodSigner } from "./hmac.js";
import { HttpError, JSON_TYPE, pathSegments, readBody, send, TEXT } from "./http.js";
import { UUID_RE } from "./registration.js";
import type { NameValue, PodRegistry, RegisteredPod } from "./registry.js";

const MAX_FORM = 64 << 10;

function remoteAddress(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? "";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/** The pod whose token this is, asked for from one of its addresses. */
function authorize(pods: PodRegistry, token: string, req: IncomingMessage): RegisteredPod {
  const pod = pods.byTokenOf(token);
  if (!pod || (pod.ips.size > 0 && !pod.ips.has(remoteAddress(req)))) throw new HttpError(403, "forbidden");
  return pod;
}

/** rkt's annotation merge: the image's, then the pod manifest's app annotations (same name: replaced in place). */
function mergedAnnotations(image: NameValue[] | null | undefined, app: NameValue[] | undefined): NameValue[] {
  const merged: NameValue[] = [];
  const set = (a: NameValue): void => {
    const i = merged.findIndex((m) => m.name === a.name);
    if (i >= 0) merged[i] = { name: a.name, value: a.value };
    else merged.push({ name: a.name, value: a.value });
  };
  for (const a of image ?? []) set(a);
  for (const a of app ?? []) set(a);
  return merged;
}

function annotationValue(list: NameValue[] | null | undefined, name: string, what: string): string {
  if (!isACIdentifier(name)) throw new HttpError(400, `${what} ${JSON.stringify(name.slice(0, 128))} is not a valid AC Identifier`);
  const found = (list ?? []).find((a) => a.name === name);
  if (!found) throw new HttpError(404, `${what} ${JSON.stringify(name)} not found`);
  return found.value;
}

async function formValues(req: IncomingMessage): Promise<URLSearchParams> {
  const values = new URL(req.url ?? "/", "http://x").searchParams;
  const body = await readBody(req, MAX_FORM);
  if ((req.headers["content-type"] ?? "").split(";")[0]!.trim() === "application/x-www-form-urlencoded") {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) values.set(k, v);
  }
  return values;
}

export function publicHandler(pods: PodRegistry, signer: PodSigner) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const seg = pathSegments(req.url ?? "/");
    if (seg.length < 4 || seg[1] !== "acMetadata" || seg[2] !== "v1") throw new HttpError(404, "not found");
    const token = seg[0]!;
    const [area, ...rest] = seg.slice(3);
    const method = (m: string): void => {
      if (req.method !== m) throw new HttpError(405, "method not allowed", { allow: m });
    };

    if (area === "pod" && rest[0] === "hmac" && rest.length === 2 && (rest[1] === "sign" || rest[1] === "verify")) {
      method("POST");
      const form = await formValues(req);
      if (rest[1] === "sign") {
        const pod = authorize(pods, token, req);
        const content = form.get("content") ?? "";
        if (content === "") throw new HttpError(400, "content form value not found");
        return send(res, 200, TEXT, signer.sign(pod.uuid, content).toString("base64"));
      }
      // Verifying needs no pod of one's own: any party may check another pod's signature.
      const uuid = (form.get("uuid") ?? "").toLowerCase();
      if (!UUID_RE.test(uuid)) throw new HttpError(400, "uuid field missing or malformed");
      const content = form.get("content") ?? "";
      if (content === "") throw new HttpError(400, "content field missing");
      const sig = form.get("signature") ?? "";
      if (sig === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(sig) || sig.length % 4 !== 0) throw new HttpError(400, "signature field missing or corrupt");
      return send(res, signer.verify(uuid, content, Buffer.from(sig, "base64")) ? 200 : 403, TEXT, "");
    }

    method("GET");
    const pod = authorize(pods, token, req);
    if (area === "pod") {
      if (rest.length === 1 && rest[0] === "annotations") return send(res, 200, JSON_TYPE, JSON.stringify(pod.manifest.annotations ?? null));
      if (rest.length >= 2 && rest[0] === "annotations") return send(res, 200, TEXT, annotationValue(pod.manifest.annotations, rest.slice(1).join("/"), "Pod annotation"));
      if (rest.length === 1 && rest[0] === "manifest") return send(res, 200, JSON_TYPE, pod.manifestBytes);
      if (rest.length === 1 && rest[0] === "uuid") return send(res, 200, TEXT, pod.uuid);
    }
    if (area === "apps" && rest.length >= 2) {
      const name = rest[0]!;
      if (!isACName(name)) throw new HttpError(400, `App name ${JSON.stringify(name.slice(0, 128))} is not a valid AC Name`);
      const image = pod.apps.get(name);
      const app = pod.manifest.apps.find((a) => a.name === name);
      const what = rest.slice(1);
      const known = (what.length === 1 && what[0] === "annotations") || what[0] === "annotations" || (what.length === 2 && what[0] === "image" && (what[1] === "manifest" || what[1] === "id"));
      if (!known) throw new HttpError(404, "not found");
      if (!image || !app) throw new HttpError(404, "app not found");
      if (what[0] === "annotations") {
        const merged = mergedAnnotations(image.manifest.annotations, app.annotations);
        if (what.length === 1) return send(res, 200, JSON_TYPE, JSON.stringify(merged));
        return send(res, 200, TEXT, annotationValue(merged, what.slice(1).join("/"), "App annotation"));
      }
      if (what[1] === "manifest") return send(res, 200, JSON_TYPE, image.bytes);
      return send(res, 200, TEXT, app.image.id ?? "");
    }
    throw new HttpError(404, "not found");
  };
}
