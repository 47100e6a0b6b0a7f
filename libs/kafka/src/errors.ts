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

/**
 * A heartbeat from inside a batch handler failed: the consumer group is rebalancing, or this member was removed from
 * it. Nothing is wrong with the messages, so this is retriable (the runner gives the batch up if the partition moved,
 * and retries it otherwise); it must never send a good message to the dead-letter topic.
 */
export class GroupRebalancingError extends CreditstreamError {
  constructor(topic: string, partition: number, cause: unknown) {
    super('GROUP_REBALANCING', `heartbeat failed while handling ${topic}[${partition}] (the consumer group is rebalancing or this member left it): ${cause instanceof Error ? cause.message : String(cause)}`, { retriable: true, cause });
  }
}

/** The brokers refused the client's SASL login (wrong user or password, or a mechanism they do not enable). */
export class KafkaAuthenticationError extends CreditstreamError {
  constructor(message: string, cause?: unknown) {
    super('KAFKA_AUTHENTICATION_FAILED', message, { retriable: false, cause });
  }
}

/** The TLS handshake with the brokers failed (an untrusted certificate, or a broker that does not speak TLS there). */
export class KafkaTlsError extends CreditstreamError {
  constructor(message: string, cause?: unknown) {
    super('KAFKA_TLS_FAILED', message, { retriable: false, cause });
  }
}
