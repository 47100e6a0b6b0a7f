import { CreditstreamError } from '@creditstream/errors';

/** A topic name that is not one of creditstream's topics (see `TOPICS`). A programming or configuration error. */
export class UnknownTopicError extends CreditstreamError {
  constructor(readonly topic: string, known: readonly string[]) {
    super('UNKNOWN_TOPIC', `unknown topic ${JSON.stringify(topic)}: expected one of ${known.join(', ')}`);
  }
}

/** A schema file is missing or is not valid JSON. The package is broken (not retriable). */
export class SchemaFileError extends CreditstreamError {
  constructor(readonly file: string, detail: string, cause?: unknown) {
    super('SCHEMA_FILE_INVALID', `schema file ${file} cannot be loaded: ${detail}`, { cause });
  }
}

/** A currency code that is not an active ISO 4217 code. */
export class UnknownCurrencyError extends CreditstreamError {
  constructor(readonly currency: string) {
    super('UNKNOWN_CURRENCY', `currency ${JSON.stringify(currency)} is not an ISO 4217 currency code`);
  }
}
