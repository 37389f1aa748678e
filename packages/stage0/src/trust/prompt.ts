// Asking the user to confirm a key on the terminal, as rkt's reviewKey: the question on
// stdout, then lines from stdin until one is exactly "yes" or "no".
import { createRequire } from "node:module";

/** rkt asks only when both stdin and stderr are terminals. */
export function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

export async function confirmTrust(write: (line: string) => void): Promise<boolean> {
  const { createInterface } = createRequire(import.meta.url)("node:readline") as typeof import("node:readline");
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  try {
    for (;;) {
      write("Are you sure you want to trust this key (yes/no)?");
      const next = await lines.next();
      if (next.done) throw new Error("error reviewing key: error reading input: EOF");
      if (next.value === "yes") return true;
      if (next.value === "no") return false;
      write("Please enter 'yes' or 'no'");
    }
  } finally {
    rl.close();
    // Leave stdin as it was for whatever runs next (an interactive app).
    process.stdin.pause();
  }
}
