/**
 * The base of every creditstream error. Each library defines its own subclasses in its `errors.ts`, each with a
 * stable `code` that callers, logs and dead-letter envelopes can match on, and a `retriable` flag that the consumer
 * runner uses to choose between retry-with-backoff and dead-lettering.
 */
export class CreditstreamError extends Error {
  /** Stable, machine-readable code, e.g. `CONFIG_INVALID`. */
  readonly code: string;
  /** True when the same operation may succeed if tried again (broker unavailable, network timeout). */
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** True when `err` says that trying again may help. Unknown errors are not retriable. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof CreditstreamError) return err.retriable;
  if (typeof err === 'object' && err !== null && 'retriable' in err) return (err as { retriable?: unknown }).retriable === true;
  return false;
}

/** The `code` of an error, or `UNEXPECTED_ERROR` for errors that carry none. */
export function errorCode(err: unknown): string {
  if (err instanceof CreditstreamError) return err.code;
  return 'UNEXPECTED_ERROR';
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
