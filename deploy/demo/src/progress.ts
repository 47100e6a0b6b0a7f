/**
 * A one-line progress bar on stderr with the step's elapsed time: redrawn in place on a terminal (also every second
 * while nothing else moves, so a long silent phase still shows time passing), printed every 10% otherwise.
 */
export class ProgressBar {
  private readonly startedAt = Date.now();
  private lastPrintedDecile = -1;
  private fraction = 0;
  private detail = '';
  private readonly ticker: NodeJS.Timeout | null;

  constructor(
    private readonly label: string,
    private readonly width = 30,
  ) {
    this.ticker = process.stderr.isTTY ? setInterval(() => this.draw(), 1000) : null;
    this.ticker?.unref();
  }

  /** Seconds since the bar was created. */
  elapsedSeconds(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  update(fraction: number, detail: string): void {
    this.fraction = Math.max(0, Math.min(1, fraction));
    this.detail = detail;
    this.draw();
  }

  /** Prints a line above the bar (on a terminal the bar is redrawn under it). */
  note(line: string): void {
    if (process.stderr.isTTY) process.stderr.write(`\r\u001b[K${line}\n`);
    else process.stderr.write(`${line}\n`);
    if (process.stderr.isTTY) this.draw();
  }

  /** Completes the bar; returns the step's elapsed seconds. */
  done(detail: string): number {
    if (this.ticker) clearInterval(this.ticker);
    this.update(1, detail);
    if (process.stderr.isTTY) process.stderr.write('\n');
    return this.elapsedSeconds();
  }

  /** Stops redrawing without completing (the step failed or was interrupted). */
  abandon(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }

  private draw(): void {
    const filled = Math.round(this.fraction * this.width);
    const line = `${this.label.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${(this.fraction * 100).toFixed(0).padStart(3)}% ${formatSeconds(this.elapsedSeconds()).padStart(6)}  ${this.detail}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}\u001b[K`);
      return;
    }
    const decile = Math.floor(this.fraction * 10);
    if (decile !== this.lastPrintedDecile) {
      this.lastPrintedDecile = decile;
      process.stderr.write(`${line}\n`);
    }
  }
}

/** `42.3 s` below a minute, `3m05s` above. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.floor(seconds - m * 60)).padStart(2, '0')}s`;
}
