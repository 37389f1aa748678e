import { APPC_VERSION, RKT_COMPAT_VERSION, RKT_VERSION, PROTOCOL_VERSION_FOR_CLI } from "./versions.js";
import type { CommandContext } from "../command.js";

export async function run(ctx: CommandContext): Promise<number> {
  ctx.out.stdout(
    `rkt Version: ${RKT_COMPAT_VERSION}+rkt-ts.${RKT_VERSION}\n` +
      `appc Version: ${APPC_VERSION}\n` +
      `Node.js: ${process.version}\n` +
      `Node.js OS/Arch: ${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}\n` +
      `Stage1 Protocol: ${PROTOCOL_VERSION_FOR_CLI}\n` +
      `Features: -TPM -SDJOURNAL\n`,
  );
  return 0;
}
