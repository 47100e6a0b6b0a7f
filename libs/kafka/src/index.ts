export { createKafka, kafkajsLogLevel, type KafkaClientOptions } from './client';
export { kafkaSecurityFromEnv, PLAINTEXT_SECURITY, type KafkaSecurity } from './security';
export { explainConnectFailure } from './connect-errors';
export { ensureTopics, type TopicDefinition } from './topics';
export { committedTotal, endOffsetsTotal } from './offsets';
export { createProducer, DEFAULT_MAX_REQUEST_BYTES, splitRequests, type EncodedMessage, type EventProducer, type EventProducerOptions, type OutboundMessage } from './producer';
export {
  createConsumerRunner,
  deadLetterTopicFor,
  type BatchContext,
  type BatchHandler,
  type BatchOutcome,
  type ConsumerRunner,
  type ConsumerRunnerOptions,
  type InboundMessage,
} from './consumer';
export { buildDeadLetter, type DeadLetterItem } from './dead-letter';
export * from './errors';
export type { Kafka } from 'kafkajs';
export { checkIdLengths, MAX_ID_LENGTH, type IdRefusal } from './ids';
