/** How {@link retryTransient} tries a read again. */
export interface RetryOptions {
  /** Whether a failure passes, so that the read is tried again; any other is thrown at once. */
  readonly transient: (err: unknown) => boolean;
  /** Give up after this many tries (the last failure is thrown). @default Infinity */
  readonly tries?: number;
  /** Give up once this time (epoch ms) has passed (the last failure is thrown). @default Infinity */
  readonly deadline?: number;
  /** The first wait between tries, doubled after each up to {@link maxDelayMs}. @default 100 */
  readonly initialDelayMs?: number;
  /** @default 1600 */
  readonly maxDelayMs?: number;
}

/**
 * Runs `read`, again while it fails transiently (a leader being elected, a broker restarting), until it succeeds or
 * the tries or the deadline are used up: the one retry loop of the Kafka admin reads.
 */
export async function retryTransient<T>(read: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { transient, tries = Infinity, deadline = Infinity, initialDelayMs = 100, maxDelayMs = 1600 } = options;
  let delay = initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!transient(err) || attempt >= tries || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
      // A timer fires late on a busy machine: never try once the deadline has passed.
      if (Date.now() > deadline) throw err;
      delay = Math.min(maxDelayMs, delay * 2);
    }
  }
}
