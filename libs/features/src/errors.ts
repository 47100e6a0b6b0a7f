import { CreditstreamError } from '@creditstream/errors';

// Bad input is not an error here: the fold returns a Rejection (see rejections.ts) and the service dead-letters it.
// These errors are for callers that break the API contract, which no retry can fix.

/** A `source` passed to the fold is not a `{ topic, partition, offset }` with a non-empty topic and integers >= 0. */
export class InvalidSourceError extends CreditstreamError {
  constructor(source: unknown) {
    super('FEATURES_INVALID_SOURCE', `invalid event source ${JSON.stringify(source)}: expected { topic: non-empty string, partition: integer >= 0, offset: integer >= 0 }`);
  }
}

/** An event was folded into the state of another customer. */
export class CustomerMismatchError extends CreditstreamError {
  constructor(stateCustomerId: string, eventCustomerId: string) {
    super('FEATURES_CUSTOMER_MISMATCH', `event of customer ${JSON.stringify(eventCustomerId)} applied to the state of customer ${JSON.stringify(stateCustomerId)}`);
  }
}

/** An option is out of range; the message names its path and value. */
export class InvalidFeatureOptionError extends CreditstreamError {
  constructor(path: string, value: unknown, expected: string) {
    super('FEATURES_INVALID_OPTION', `invalid option ${path}=${JSON.stringify(value)}: expected ${expected}`);
  }
}

/** Features were asked for as of a date before the state's business date (that would read facts from the future). */
export class AsOfBeforeStateError extends CreditstreamError {
  constructor(asOf: string, stateAsOf: string) {
    super('FEATURES_AS_OF_BEFORE_STATE', `features asked as of ${asOf}, before the customer state's business date ${stateAsOf}`);
  }
}
