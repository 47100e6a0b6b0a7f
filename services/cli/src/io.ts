/** Where a command writes its messages; tests pass their own to read them. */
export interface Io {
  /** Results (summaries). */
  out(text: string): void;
  /** Progress, warnings and row problems. */
  err(text: string): void;
  /** Milliseconds from an arbitrary origin, for progress and throughput only (never for business time). */
  now(): number;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  now: () => performance.now(),
};
