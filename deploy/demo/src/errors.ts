import { CreditstreamError } from '@creditstream/errors';

/** Stable codes of the demo's errors. */
export type DemoErrorCode =
  /** A process the demo started (a service, the simulator, a CLI command) exited when it should not have. */
  | 'DEMO_PROCESS_FAILED'
  /** A condition the demo waits for (a service ready, a consumer group caught up, re-scoring done) did not hold in time. */
  | 'DEMO_TIMEOUT'
  /** The simulated history is too short for the trainer's minimum: no LightGBM model could be trained. */
  | 'DEMO_HISTORY_TOO_SHORT'
  /** Ctrl-C (or SIGTERM) arrived while a step was running: the step stops, the demo shuts down. */
  | 'DEMO_INTERRUPTED';

/** An error of the demo: says which step failed, with what, and where to look. */
export class DemoError extends CreditstreamError {
  constructor(code: DemoErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
