// The image manifest (appc spec/aci.md, schema/image.go). Parsing validates and returns the
// JSON exactly as it was (no defaults, no normalization) so it can be printed back.
import type { ImageManifest } from "@rkt/stage1-api";
import { validateApp } from "./app.js";
import { atIndex, expectObject, expectStringList, isAbsPath, member, optArray, optInt, optString, reqString, type JsonObject } from "./check.js";
import { fail, ManifestError } from "./errors.js";
import { imageIDProblem } from "./hash.js";
import { parseJsonDocument } from "./json.js";
import { checkACIdentifier, validateAnnotations, validateLabels } from "./labels.js";
import { semverProblem } from "./semver.js";

export const IMAGE_MANIFEST_KIND = "ImageManifest";

/** Checks acKind and acVersion, shared by image and pod manifests. */
export function checkKindAndVersion(o: JsonObject, kind: string): void {
  const k = optString(o, "acKind", "");
  if (k.value === undefined || k.value === "") fail(k.path, `is required (must be ${JSON.stringify(kind)})`);
  if (k.value !== kind) fail(k.path, `must be ${JSON.stringify(kind)}, got ${JSON.stringify(k.value)}`);
  const ver = optString(o, "acVersion", "");
  if (ver.value === undefined || ver.value === "") fail(ver.path, "acVersion must be set (e.g. \"0.8.11\")");
  const p = semverProblem(ver.value);
  if (p) fail(ver.path, p);
}

/**
 * Validates an already-decoded image manifest and returns it, typed, unchanged. Throws
 * ManifestError naming the JSON path of the first problem.
 */
export function validateImageManifest(value: unknown): ImageManifest {
  const o = expectObject(value, "", "a JSON object (the image manifest)");
  checkKindAndVersion(o, IMAGE_MANIFEST_KIND);

  const name = reqString(o, "name", "", "the image name, e.g. example.com/app");
  checkACIdentifier(name.value, name.path);

  const labels = member(o, "labels", "");
  if (labels.value !== undefined) validateLabels(labels.value, labels.path);

  const app = member(o, "app", "");
  if (app.value !== undefined) validateApp(app.value, app.path);

  const annotations = member(o, "annotations", "");
  if (annotations.value !== undefined) validateAnnotations(annotations.value, annotations.path);

  const deps = optArray(o, "dependencies", "");
  deps.value?.forEach((d, i) => {
    const dp = atIndex(deps.path, i);
    const dobj = expectObject(d, dp, `a dependency object {"imageName", ...}`);
    const dn = reqString(dobj, "imageName", dp);
    checkACIdentifier(dn.value, dn.path);
    const id = optString(dobj, "imageID", dp);
    if (id.value !== undefined) {
      const p = imageIDProblem(id.value);
      if (p) fail(id.path, p);
    }
    const dl = member(dobj, "labels", dp);
    if (dl.value !== undefined) validateLabels(dl.value, dl.path);
    optInt(dobj, "size", dp, 0);
  });

  const wl = member(o, "pathWhitelist", "");
  if (wl.value !== undefined) {
    const seen = new Set<string>();
    expectStringList(wl.value, wl.path).forEach((p, i) => {
      if (!isAbsPath(p)) fail(atIndex(wl.path, i), `pathWhitelist entries must be absolute paths, got ${JSON.stringify(p)}`);
      if (seen.has(p)) fail(atIndex(wl.path, i), `duplicate pathWhitelist entry ${JSON.stringify(p)}`);
      seen.add(p);
    });
  }
  return value as ImageManifest;
}

/**
 * Parses and validates an image manifest (the `manifest` file of an ACI). `file` names it
 * in errors. The result is the decoded JSON itself.
 */
export function parseImageManifest(bytes: Uint8Array | string, file?: string): ImageManifest {
  const doc = parseJsonDocument(bytes, file);
  try {
    return validateImageManifest(doc);
  } catch (err) {
    if (err instanceof ManifestError && file !== undefined) err.file = file;
    throw err;
  }
}
