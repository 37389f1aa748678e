// iptables-save and iptables-restore for the nat table. -w waits for the xtables lock
// (legacy backend); the nf_tables backend commits a batch atomically and may ask to retry
// when another process changed the ruleset meanwhile, so a failed batch is retried once.
import { lastLine, runProcess } from "./proc.js";

export class IptablesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IptablesError";
  }
}

async function tool(file: string, args: string[], input?: string): Promise<string> {
  let r;
  try {
    r = await runProcess(file, args, input !== undefined ? { input } : {});
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new IptablesError(`${file} is not installed: install Debian's iptables package (apt-get install iptables)`);
    }
    throw err;
  }
  if (r.code !== 0) throw new IptablesError(`${file}: ${lastLine(r.stderr) || `exit status ${r.code}`}`);
  return r.stdout;
}

/** The nat and filter tables, as iptables-save prints them. */
export async function saveRules(): Promise<string> {
  return (await tool("iptables-save", ["-t", "nat"])) + (await tool("iptables-save", ["-t", "filter"]));
}

/** Applies an iptables-restore batch without flushing anything else. */
export async function restoreNoflush(batch: string): Promise<void> {
  try {
    await tool("iptables-restore", ["-w", "5", "--noflush"], batch);
  } catch (err) {
    if (!(err instanceof IptablesError) || /not installed/.test(err.message)) throw err;
    await new Promise((r) => setTimeout(r, 50));
    await tool("iptables-restore", ["-w", "5", "--noflush"], batch);
  }
}
