// Naming an image already in the store: an ID prefix, name[:version][,label=value], or the
// docker:// reference an OCI image was fetched by.
import { parseImageString } from "@rkt/appc";
import { formatDockerReference, parseDockerReference } from "@rkt/oci";
import type { ImageStore } from "@rkt/store";
import { looksLikeImageId } from "@rkt/store";
import { RktError } from "../errors.js";

export function resolveStoredImage(store: ImageStore, arg: string): string {
  if (/^docker:/i.test(arg)) {
    // the reference an image was fetched by (`docker://busybox:1.36`)
    let url: string;
    try {
      url = `docker://${formatDockerReference(parseDockerReference(arg.replace(/^docker:(\/\/)?/i, "")))}`;
    } catch (err) {
      throw new RktError((err as Error).message);
    }
    const key = store.getRemote(url)?.key;
    if (!key || !store.has(key)) throw new RktError(`no image found for ${JSON.stringify(arg)}`);
    return key;
  }
  if (looksLikeImageId(arg)) {
    try {
      return store.resolveId(arg);
    } catch (err) {
      throw new RktError((err as Error).message);
    }
  }
  let parsed;
  try {
    parsed = parseImageString(arg);
  } catch (err) {
    throw new RktError(`${JSON.stringify(arg)} is neither an image ID nor an image name: ${(err as Error).message}`);
  }
  const labels = Object.entries(parsed.labels).map(([name, value]) => ({ name, value }));
  const found = store.findByName(parsed.name, labels);
  if (!found) throw new RktError(`no image found for ${JSON.stringify(arg)}`);
  return found.key;
}
