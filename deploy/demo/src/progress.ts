/** A one-line progress bar on stderr, redrawn in place on a terminal and printed every 10% otherwise. */
export class ProgressBar {
  private lastPrintedDecile = -1;
  constructor(
    private readonly label: string,
    private readonly width = 30,
  ) {}

  update(fraction: number, detail: string): void {
    const f = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(f * this.width);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${detail}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}\u001b[K`);
    } else {
      const decile = Math.floor(f * 10);
      if (decile !== this.lastPrintedDecile) {
        this.lastPrintedDecile = decile;
        process.stderr.write(`${line}\n`);
      }
    }
  }

  done(detail: string): void {
    this.update(1, detail);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}
