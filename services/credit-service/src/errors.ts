import { CreditstreamError } from '@creditstream/errors';

/** A credit rule set is not valid: names the path in the document and what was wrong there. */
export class RuleSetInvalidError extends CreditstreamError {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super('CREDIT_RULE_SET_INVALID', `credit rule set ${path === '' ? '(document)' : path}: ${detail}`);
  }
}

/** A credit rule set file could not be read or parsed as YAML or JSON. */
export class RuleSetUnreadableError extends CreditstreamError {
  constructor(source: string, detail: string, cause?: unknown) {
    super('CREDIT_RULE_SET_UNREADABLE', `credit rule set ${source}: ${detail}`, { cause });
  }
}
