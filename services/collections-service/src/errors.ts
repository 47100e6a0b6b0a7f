import { CreditstreamError } from '@creditstream/errors';

/** A collection policy document that is not valid against the published JSON Schema or refers to what it lacks. */
export class PolicyInvalidError extends CreditstreamError {
  constructor(readonly problems: readonly string[]) {
    super('POLICY_INVALID', `collection policy is invalid: ${problems.join('; ')}`, { retriable: false });
  }
}

/** A statement was asked for a customer the collections service does not know. */
export class UnknownCustomerError extends CreditstreamError {
  constructor(customerId: string) {
    super('UNKNOWN_CUSTOMER', `no customer ${JSON.stringify(customerId)} in the collections service's committed state`, { retriable: false });
  }
}
