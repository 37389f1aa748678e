// Download progress of an image's blobs on a terminal: one line per layer, redrawn in place
// (cursor up, rewrite) at most ten times a second. Nothing at all when stderr is not a TTY,
// so logs and pipes stay clean.

interface Line {
  label: string;
  total: number;
  done: number;
  note?: string;
}

const WIDTH = 24;

export class LayerProgress {
  private readonly lines: Line[] = [];
  private drawn = 0;
  private last = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly enabled: boolean,
  ) {}

  /** Adds a line; returns its index. */
  add(label: string, total: number): number {
    this.lines.push({ label, total, done: 0 });
    return this.lines.length - 1;
  }

  update(i: number, done: number): void {
    const line = this.lines[i];
    if (!line) return;
    line.done = done;
    this.redraw(false);
  }

  /** Ends a line with a note ("already in the store", "done"). */
  finish(i: number, note: string): void {
    const line = this.lines[i];
    if (!line) return;
    line.note = note;
    if (note === "done") line.done = line.total;
    this.redraw(false);
  }

  /** Draws the final state. */
  close(): void {
    this.redraw(true);
  }

  private redraw(force: boolean): void {
    if (!this.enabled || this.lines.length === 0) return;
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A` : "";
    for (const l of this.lines) out += `\r\x1b[K${render(l)}\n`;
    this.drawn = this.lines.length;
    this.write(out);
  }
}

function render(l: Line): string {
  if (l.note && l.note !== "done") return `${l.label}: ${l.note}`;
  const frac = l.total > 0 ? Math.min(1, l.done / l.total) : 1;
  const filled = Math.floor(frac * WIDTH);
  const bar = `${"=".repeat(filled)}${filled < WIDTH ? ">" : ""}${" ".repeat(Math.max(0, WIDTH - filled - 1))}`;
  return `${l.label}: [${bar}] ${human(l.done)}/${human(l.total)}`;
}

export function human(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(2)} KB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
