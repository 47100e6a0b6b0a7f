import { CreditstreamError } from '@creditstream/errors';

/** MongoDB refused the credentials of the connection string: trying again will not help until they are fixed. */
export class StoreAuthenticationError extends CreditstreamError {
  constructor(message: string, cause?: unknown) {
    super('STORE_AUTHENTICATION_FAILED', message, { retriable: false, cause });
  }
}

/** The store could not be reached or a write was not acknowledged. Trying again may help. */
export class StoreUnavailableError extends CreditstreamError {
  constructor(message: string, cause?: unknown) {
    super('STORE_UNAVAILABLE', message, { retriable: true, cause });
  }
}
