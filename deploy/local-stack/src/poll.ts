import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from '@creditstream/errors';

/** Options of {@link pollUntil}. */
export interface PollOptions {
  /** What is awaited, for the error message. */
  what: string;
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between attempts. @default 250 */
  intervalMs?: number;
  /** Checked before every attempt; a non-undefined value ends the wait with that reason (e.g. the process exited). */
  abortReason?: () => string | undefined;
}

/**
 * Calls `check` until it resolves, then returns its value. Fails with the last error seen when the deadline passes or
 * when `abortReason` reports one. This is the stack's only way of waiting: for a condition, never a fixed time.
 */
export async function pollUntil<T>(check: () => Promise<T>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 250;
  let last = 'not tried';
  for (;;) {
    const aborted = options.abortReason?.();
    if (aborted !== undefined) throw new Error(`${aborted} while waiting for ${options.what} (last check: ${last})`);
    try {
      return await check();
    } catch (err) {
      last = errorMessage(err);
    }
    if (Date.now() >= deadline) throw new Error(`${options.what}: not reached within ${options.timeoutMs} ms (last check: ${last})`);
    await delay(intervalMs);
  }
}
