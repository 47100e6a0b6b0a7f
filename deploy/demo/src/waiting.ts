import { errorMessage } from '@creditstream/errors';
import { DemoError } from './errors';

export interface WaitOptions {
  /** Aborted when the demo shuts down: the wait stops at once. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** @default 500 */
  readonly intervalMs?: number;
}

/** Throws DEMO_INTERRUPTED when the demo is shutting down. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DemoError('DEMO_INTERRUPTED', 'interrupted: shutting down');
}

/** The promise's outcome, or DEMO_INTERRUPTED as soon as the demo starts shutting down. */
export async function interruptible<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  throwIfAborted(signal);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new DemoError('DEMO_INTERRUPTED', 'interrupted: shutting down'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Polls `check` until it returns a value other than undefined. A check that throws (a broker briefly unavailable)
 * is tried again, unless it throws a DemoError (a process it depends on exited), which ends the wait at once; after `timeoutMs` the wait fails with DEMO_TIMEOUT naming `what` and the last state seen, which
 * `describe` renders.
 */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, options: WaitOptions, describe: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    throwIfAborted(options.signal);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof DemoError) throw err;
      lastError = errorMessage(err);
    }
    if (Date.now() > deadline) {
      const state = [describe(), lastError && `last error: ${lastError}`].filter((s) => s !== '').join('; ');
      throw new DemoError('DEMO_TIMEOUT', `${what} did not happen within ${options.timeoutMs / 1000} s${state ? ` (${state})` : ''}`, { retriable: true });
    }
    await interruptible(new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500)), options.signal);
  }
}
