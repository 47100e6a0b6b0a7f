import { CreditstreamError } from '@creditstream/errors';

/**
 * Thrown (or returned as a rejection) by a handler for a message that can never be processed: domain validation
 * failed, an unknown reference, a conflicting duplicate. The runner sends it to the dead-letter topic with `code`
 * as the machine-readable reason and moves on.
 */
export class PoisonMessageError extends CreditstreamError {
  constructor(code: string, message: string) {
    super(code, message, { retriable: false });
  }
}

/** Topics could not be created or did not get leaders in time. */
export class TopicSetupError extends CreditstreamError {
  constructor(message: string, cause?: unknown) {
    super('TOPIC_SETUP_FAILED', message, { retriable: true, cause });
  }
}

/** A transient broker or network failure reported by kafkajs. */
export class BrokerUnavailableError extends CreditstreamError {
  constructor(message: string, cause?: unknown) {
    super('BROKER_UNAVAILABLE', message, { retriable: true, cause });
  }
}
