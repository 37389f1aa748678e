// rkt fetch: bring images into the store and print their IDs.
import { ImageFetcher } from "@rkt/stage0";
import { shortId } from "@rkt/store";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";
import { FETCH_APP_FLAGS } from "./flag-specs.js";
import { parseApps, pullPolicy } from "./pod-flags.js";

export async function run(ctx: CommandContext): Promise<number> {
  const line = parseApps(ctx, { appFlags: FETCH_APP_FLAGS, appArgs: false });
  if (line.apps.length === 0) throw new UsageError("at least one image is required");
  const policy = pullPolicy(line.flags);
  const full = line.flags.bool("full");
  const rkt = rktContext({ ...ctx, global: line.global });
  const fetcher = new ImageFetcher(rkt);
  for (const app of line.apps) {
    const img = await fetcher.fetch(app.image, { pullPolicy: policy, signature: app.signature });
    ctx.out.line(full ? img.key : shortId(img.key, 32));
  }
  rkt.close();
  return 0;
}
