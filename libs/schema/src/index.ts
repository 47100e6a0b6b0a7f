export { SchemaCodec, subjectFor, type Compatibility, type SchemaCodecOptions } from './codec';
export type { EventEnvelope } from './envelope';
export { avroOptions, DateType, TimestampMillisType } from './logical-types';
export * from './errors';
