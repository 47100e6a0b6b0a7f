import { CreditstreamError } from '@creditstream/errors';

/** Encoding was asked for a topic whose schema was never registered by this process. A programming error. */
export class SchemaNotRegisteredError extends CreditstreamError {
  constructor(readonly topic: string) {
    super('SCHEMA_NOT_REGISTERED', `no schema registered for topic ${topic}: call codec.register(${JSON.stringify(topic)}, schema) at start-up`);
  }
}

/** The registry refused a schema, e.g. because it breaks BACKWARD compatibility with the subject's latest version. */
export class SchemaRejectedError extends CreditstreamError {
  constructor(readonly subject: string, readonly status: number, detail: string) {
    super('SCHEMA_REJECTED', `schema registry refused the schema for subject ${subject} (HTTP ${status}): ${detail}`);
  }
}

/** The registry could not be reached or answered 5xx. Trying again may help. */
export class RegistryUnavailableError extends CreditstreamError {
  constructor(readonly url: string, detail: string, cause?: unknown) {
    super('REGISTRY_UNAVAILABLE', `schema registry at ${url} is unavailable: ${detail}`, { retriable: true, cause });
  }
}

/** A value does not match the topic's schema. The message names the first offending field path. */
export class SchemaEncodeError extends CreditstreamError {
  constructor(readonly topic: string, detail: string) {
    super('SCHEMA_ENCODE_FAILED', `event for ${topic} does not match its schema: ${detail}`);
  }
}

/** Bytes could not be decoded: no magic byte, unknown schema id, or Avro data that does not match its writer schema. */
export class SchemaDecodeError extends CreditstreamError {
  constructor(readonly topic: string, detail: string, cause?: unknown) {
    super('SCHEMA_DECODE_FAILED', `message on ${topic} could not be decoded: ${detail}`, { cause });
  }
}
