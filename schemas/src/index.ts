export {
  buildTopics,
  DEAD_LETTER_SCHEMA,
  DEAD_LETTER_SERVICES,
  DEFAULT_PARTITIONS,
  INPUT_TOPICS,
  loadSchema,
  loadSchemaFile,
  partitionsFromEnv,
  topic,
  TOPIC,
  TOPICS,
  type TopicSpec,
} from './topics';
export type { EventEnvelope } from './envelope';
export { EXAMPLE_EVENTS, type ExampleEvents } from './examples';
export { accountStatusAfter } from './account-status';
export { isCurrency, minorUnitDigits } from './currency';
export * from './errors';
export * from './generated/events';
