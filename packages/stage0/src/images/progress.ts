// A download progress line on a terminal, as rkt prints it: "Downloading ACI: 1.2 MB/2.1 MB".
export class Progress {
  private last = 0;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly write: (text: string) => void,
    private readonly enabled: boolean,
  ) {}

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.write(`\r${this.render(done)}`);
  }

  finish(done: number): void {
    if (this.enabled) this.write(`\r${this.render(done)}\n`);
  }

  private render(done: number): string {
    const size = this.total ? `${human(done)}/${human(this.total)}` : human(done);
    if (!this.total) return `${this.label}: ${size}`;
    const width = 20;
    const filled = Math.min(width, Math.floor((done / this.total) * width));
    return `${this.label}: [${"=".repeat(filled)}${filled < width ? ">" : ""}${" ".repeat(Math.max(0, width - filled - 1))}] ${size}`;
  }
}

function human(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(2)} KB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
