import { CreditstreamError } from '@creditstream/errors';

/** A lifecycle call made in a state that does not allow it (e.g. start twice). */
export class LifecycleError extends CreditstreamError {
  constructor(message: string) {
    super('LIFECYCLE_INVALID', message);
  }
}

/** A component failed to start; the service is `failed`. */
export class StartupError extends CreditstreamError {
  constructor(readonly component: string, cause: unknown) {
    super('STARTUP_FAILED', `component ${component} failed to start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
