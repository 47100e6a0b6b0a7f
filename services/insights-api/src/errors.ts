import { CreditstreamError } from '@creditstream/errors';

/**
 * The stable codes of the API's problem+json answers (`code` member). Clients match on these, never on messages.
 */
export const PROBLEM_CODES = {
  VALIDATION_FAILED: { status: 400, title: 'The request does not match the API description' },
  INVALID_CURSOR: { status: 400, title: 'The cursor is not one this API issued' },
  UNAUTHENTICATED: { status: 401, title: 'A valid bearer token is required' },
  FORBIDDEN: { status: 403, title: 'The token\'s role may not do this' },
  TOO_MANY_AUTH_FAILURES: { status: 429, title: 'Too many failed authentications from this client; retry after the Retry-After delay' },
  NOT_FOUND: { status: 404, title: 'No such resource' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'The route does not accept this method' },
  NOT_ACCEPTABLE: { status: 406, title: 'The route cannot answer in an accepted media type' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body must be application/json' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  READ_MODELS_NOT_READY: { status: 503, title: 'The read models have not been loaded yet' },
  COMMAND_NOT_SENT: { status: 503, title: 'The command could not be produced to its topic; nothing was sent' },
  RESPONSE_INVALID: { status: 500, title: 'The API produced an answer its own description does not allow' },
  INTERNAL: { status: 500, title: 'Unexpected error' },
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** One invalid part of a request: where (`in` and JSON pointer or parameter name) and what was wrong. */
export interface InvalidParam {
  in: 'path' | 'query' | 'header' | 'body';
  name: string;
  reason: string;
}

/** An error the API answers as an RFC 9457 problem document with a stable code. */
export class ApiProblem extends CreditstreamError {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly problem: ProblemCode,
    detail: string,
    readonly invalidParams: readonly InvalidParam[] = [],
  ) {
    super(`API_${problem}`, detail);
    this.status = PROBLEM_CODES[problem].status;
    this.title = PROBLEM_CODES[problem].title;
  }

  /** The problem+json body. */
  body(instance: string): Record<string, unknown> {
    return {
      type: `https://creditstream.dev/problems/${this.problem.toLowerCase().replace(/_/g, '-')}`,
      title: this.title,
      status: this.status,
      code: this.problem,
      detail: this.message,
      instance,
      ...(this.invalidParams.length > 0 ? { invalidParams: this.invalidParams } : {}),
    };
  }
}

/** A token option that is not one of the roles. */
export class UnknownRoleError extends CreditstreamError {
  constructor(readonly role: string, roles: readonly string[]) {
    super('API_UNKNOWN_ROLE', `role ${JSON.stringify(role)} is not one of ${roles.join(', ')}`);
  }
}
