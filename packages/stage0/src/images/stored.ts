// Naming an image already in the store: an ID prefix or name[:version][,label=value].
import { parseImageString } from "@rkt/appc";
import type { ImageStore } from "@rkt/store";
import { looksLikeImageId } from "@rkt/store";
import { RktError } from "../errors.js";

export function resolveStoredImage(store: ImageStore, arg: string): string {
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
