import { CreditstreamError } from '@creditstream/errors';

/** A configuration value is missing or malformed. The message names the variable (or option path) and the value. */
export class ConfigError extends CreditstreamError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('CONFIG_INVALID', message);
  }
}
