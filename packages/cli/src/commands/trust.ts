// rkt trust: add keys to the local keystore, for a name prefix or as root keys.
import { confirmTrust, isInteractive, PubkeyManager, RktError } from "@rkt/stage0";
import type { CommandContext } from "../command.js";
import { rktContext } from "./context.js";

const UNBOUNDED = `aborting due to implicit unbounded trust (root domain)
Please provide a specific domain prefix to trust:
    rkt trust --prefix "example.com/foo" [PUBKEY]
Otherwise, trust at the root domain (not recommended) must be explicitly requested:
    rkt trust --root PUBKEY`;

export async function run(ctx: CommandContext): Promise<number> {
  const prefix = ctx.flags.string("prefix");
  const root = ctx.flags.bool("root");
  if (prefix === "" && !root) {
    if (ctx.args.length === 0) throw new RktError("--prefix or --root is required (see rkt trust --help)");
    throw new RktError(UNBOUNDED);
  }
  if (prefix !== "" && root) throw new RktError("--root and --prefix usage mutually exclusive");
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(prefix);
  if (scheme) throw new RktError(`--prefix must not contain a URL scheme, omit ${scheme[1]}://`);

  const rkt = rktContext(ctx);
  const manager = new PubkeyManager(
    rkt,
    { allowHttp: ctx.flags.bool("insecure-allow-http"), trustKeysFromHttps: ctx.global.trustKeysFromHttps },
    {
      out: (line) => ctx.out.line(line),
      log: (line) => ctx.out.stderr(`pubkey: ${line}\n`),
      interactive: isInteractive(),
      confirm: () => confirmTrust((line) => ctx.out.line(line)),
    },
  );
  let locations = ctx.args;
  if (locations.length === 0) {
    if (root) throw new RktError("--root needs a key file or URL: root keys are never discovered");
    locations = await manager.locations(prefix);
  }
  await manager.addKeys(locations, root ? "" : prefix, ctx.flags.bool("skip-fingerprint-review") ? "force" : "ask");
  return 0;
}
