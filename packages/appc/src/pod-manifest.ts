// The pod manifest (appc spec/pods.md, schema/pod.go): what stage0 writes for a pod and
// what `--pod-manifest` reads. Returned exactly as decoded.
import type { PodManifest } from "@rkt/stage1-api";
import { validateApp } from "./app.js";
import { atIndex, expectObject, lookup, member, optArray, optBool, optStringMap, reqString } from "./check.js";
import { fail, ManifestError } from "./errors.js";
import { imageIDProblem } from "./hash.js";
import { checkKindAndVersion } from "./image-manifest.js";
import { validateIsolators } from "./isolators.js";
import { parseJsonDocument } from "./json.js";
import { checkACIdentifier, validateAnnotations, validateLabels } from "./labels.js";
import { checkName } from "./path-names.js";
import { validateExposedPort, validatePortList } from "./ports.js";
import { validateMount, validateVolume } from "./volumes.js";

export const POD_MANIFEST_KIND = "PodManifest";

/** Validates an already-decoded pod manifest and returns it, typed, unchanged. */
export function validatePodManifest(value: unknown): PodManifest {
  const o = expectObject(value, "", "a JSON object (the pod manifest)");
  checkKindAndVersion(o, POD_MANIFEST_KIND);

  // Volumes first: mounts refer to them.
  const vols = optArray(o, "volumes", "");
  const volumeNames = new Set<string>();
  vols.value?.forEach((v, i) => {
    const vp = atIndex(vols.path, i);
    const name = validateVolume(v, vp);
    if (volumeNames.has(name)) fail(`${vp}.name`, `duplicate volume name ${name}`);
    volumeNames.add(name);
  });

  // Required by the spec; null (what Go writes for an empty list) means no apps.
  if (!lookup(o, "apps")) fail("apps", "is required (a list of apps, may be empty)");
  const apps = member(o, "apps", "");
  if (apps.value !== undefined && !Array.isArray(apps.value)) fail(apps.path, "must be a list of apps");
  const appNames = new Set<string>();
  (apps.value as unknown[] | undefined)?.forEach((a, i) => {
    const ap = atIndex(apps.path, i);
    const ao = expectObject(a, ap, `an app object {"name", "image", ...}`);
    const name = reqString(ao, "name", ap);
    checkName("app name", name.value, name.path);
    if (appNames.has(name.value)) fail(name.path, `multiple apps with name ${name.value}`);
    appNames.add(name.value);

    const img = member(ao, "image", ap);
    if (img.value === undefined) fail(img.path, `is required (an object with the image "id")`);
    const io = expectObject(img.value, img.path, `an image object {"id", "name", "labels"}`);
    const id = reqString(io, "id", img.path, "the image ID, sha512-...");
    const idProblem = imageIDProblem(id.value);
    if (idProblem) fail(id.path, idProblem);
    const iname = member(io, "name", img.path);
    if (iname.value !== undefined) {
      if (typeof iname.value !== "string") fail(iname.path, "must be a string");
      checkACIdentifier(iname.value, iname.path);
    }
    const ilabels = member(io, "labels", img.path);
    if (ilabels.value !== undefined) validateLabels(ilabels.value, ilabels.path);

    const app = member(ao, "app", ap);
    if (app.value !== undefined) validateApp(app.value, app.path);
    optBool(ao, "readOnlyRootFS", ap);

    const mounts = optArray(ao, "mounts", ap);
    mounts.value?.forEach((m, j) => {
      const mp = atIndex(mounts.path, j);
      const mount = validateMount(m, mp);
      if (!mount.hasAppVolume && !volumeNames.has(mount.volume)) {
        fail(`${mp}.volume`, `dangling mount point ${JSON.stringify(mount.path)}: volume ${JSON.stringify(mount.volume)} not found`);
      }
    });

    const ann = member(ao, "annotations", ap);
    if (ann.value !== undefined) validateAnnotations(ann.value, ann.path);
  });

  const isolators = member(o, "isolators", "");
  if (isolators.value !== undefined) validateIsolators(isolators.value, isolators.path);

  const annotations = member(o, "annotations", "");
  if (annotations.value !== undefined) validateAnnotations(annotations.value, annotations.path);

  const ports = member(o, "ports", "");
  if (ports.value !== undefined) validatePortList(ports.value, ports.path, validateExposedPort, false);

  optStringMap(o, "userAnnotations", "");
  optStringMap(o, "userLabels", "");
  return value as PodManifest;
}

/** Parses and validates a pod manifest; `file` names it in errors. */
export function parsePodManifest(bytes: Uint8Array | string, file?: string): PodManifest {
  const doc = parseJsonDocument(bytes, file);
  try {
    return validatePodManifest(doc);
  } catch (err) {
    if (err instanceof ManifestError && file !== undefined) err.file = file;
    throw err;
  }
}
