// The stage0 context for a command, built from the global flags.
import { RktContext } from "@rkt/stage0";
import type { CommandContext } from "../command.js";

export function rktContext(ctx: CommandContext): RktContext {
  return new RktContext(ctx.global, {
    warn: (m) => ctx.out.error(m),
    debug: (m) => ctx.out.debug(m),
    stderr: (t) => ctx.out.stderr(t),
    log: (prefix, m) => ctx.out.stderr(`${prefix}: ${m}\n`),
    debugLog: (prefix, m) => {
      if (ctx.out.debugEnabled) ctx.out.stderr(`${prefix}: ${m}\n`);
    },
  });
}
