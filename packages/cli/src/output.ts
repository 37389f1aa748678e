// Writing to the user: results on stdout, messages on stderr prefixed with the command's
// name as rkt does ("run: ..."), and tab-aligned tables like Go's tabwriter.
import { writeSync } from "node:fs";

export class Output {
  constructor(
    private readonly prefix: string,
    readonly debugEnabled: boolean,
  ) {}

  stdout(text: string): void {
    writeAll(1, text);
  }

  line(text = ""): void {
    writeAll(1, text + "\n");
  }

  /** A message on stderr: "<command>: <text>". */
  error(text: string): void {
    writeAll(2, `${this.prefix}: ${text}\n`);
  }

  warn(text: string): void {
    this.error(text);
  }

  /** A message shown only with --debug. */
  debug(text: string): void {
    if (this.debugEnabled) writeAll(2, `${this.prefix}: ${text}\n`);
  }

  /** Raw text on stderr. */
  stderr(text: string): void {
    writeAll(2, text);
  }
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EAGAIN") continue;
      if ((err as NodeJS.ErrnoException).code === "EPIPE") return;
      throw err;
    }
  }
}

/**
 * Formats rows exactly like rkt's Go tabwriter (minwidth 0, tabwidth 8, padding 1, padchar
 * '\t'): each cell but the last is followed by tabs up to its column's width, rounded up
 * to a multiple of 8.
 */
export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, [...cell].length + 1);
    });
  }
  let out = "";
  for (const row of rows) {
    row.forEach((cell, i) => {
      out += cell;
      if (i < row.length - 1) {
        const cellw = Math.ceil(widths[i]! / 8) * 8;
        out += "\t".repeat(Math.ceil((cellw - [...cell].length) / 8));
      }
    });
    out += "\n";
  }
  return out;
}
