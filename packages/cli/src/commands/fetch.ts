// rkt fetch: bring images into the store and print their IDs.
import { ImageFetcher } from "@rkt/stage0";
import { shortId } from "@rkt/store";
import type { CommandContext } from "../command.js";
import { UsageError } from "../flags.js";
import { rktContext } from "./context.js";
import { FETCH_APP_FLAGS } from "./flag-specs.js";
import { parseApps, parsePullPolicy } from "./pod-flags.js";

export async function run(ctx: CommandContext): Promise<number> {
  const apps = parseApps(ctx.rest, FETCH_APP_FLAGS);
  if (apps.length === 0) throw new UsageError("at least one image is required");
  for (const app of apps) {
    if (app.args.length > 0) throw new UsageError("app arguments are not allowed with fetch", false);
  }
  const rkt = rktContext(ctx);
  const fetcher = new ImageFetcher(rkt);
  const pullPolicy = parsePullPolicy(ctx.flags.string("pull-policy"));
  const full = ctx.flags.bool("full");
  for (const app of apps) {
    const img = await fetcher.fetch(app.image, { pullPolicy, signature: app.signature });
    ctx.out.line(full ? img.key : shortId(img.key, 32));
  }
  rkt.close();
  return 0;
}
