/** Clock and sleep of the pacer, injectable so its arithmetic can be tested without waiting. */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Keeps a producer at `ratePerSecond` events per second on average: before sending the n-th event it waits until
 * n / rate seconds have passed since the first. Pacing is the point here, so sleeping is right.
 */
export class Pacer {
  private sent = 0;
  private startedAt: number | null = null;

  constructor(private readonly ratePerSecond: number, private readonly clock: PacerClock = realClock) {}

  /** Waits until `count` more events may be sent. */
  async admit(count: number): Promise<void> {
    const now = this.clock.now();
    this.startedAt ??= now;
    const due = this.startedAt + (this.sent * 1000) / this.ratePerSecond;
    this.sent += count;
    if (due > now) await this.clock.sleep(due - now);
  }

  /** How many events to send at a time so that pacing stays smooth (about 20 sends per second). */
  chunkSize(): number {
    return Math.max(1, Math.floor(this.ratePerSecond / 20));
  }
}
