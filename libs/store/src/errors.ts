import { CreditstreamError } from '@creditstream/errors';

/** The store could not be reached or a write was not acknowledged. Trying again may help. */
export class StoreUnavailableError extends CreditstreamError {
  constructor(message: string, cause?: unknown) {
    super('STORE_UNAVAILABLE', message, { retriable: true, cause });
  }
}
