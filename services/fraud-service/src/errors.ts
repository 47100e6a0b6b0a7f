import { CreditstreamError } from '@creditstream/errors';

/**
 * A fraud rule set that is not valid: not JSON or YAML, not valid against the published JSON Schema, or
 * inconsistent (a ramp whose saturation is not above its threshold). `path` is the JSON pointer of the offending
 * value ('' for the whole document).
 */
export class FraudRulesInvalidError extends CreditstreamError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('FRAUD_RULES_INVALID', message);
  }
}

/** A rule-set version published again with another document (versions are immutable). */
export class FraudRulesConflictError extends CreditstreamError {
  constructor(version: string, known: string, offered: string) {
    super('FRAUD_RULES_CONFLICT', `fraud rule set ${version} is already published with another document (sha256 ${known.slice(0, 12)}…, offered ${offered.slice(0, 12)}…): publish it under a new version`);
  }
}
