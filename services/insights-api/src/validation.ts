import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ApiProblem, type InvalidParam } from './errors';

/**
 * Request and response validation against the OpenAPI 3.1 document with Ajv (JSON Schema 2020-12, the dialect of
 * OpenAPI 3.1). The document is added to Ajv whole, so `$ref`s into its components resolve as written; each
 * operation's parameters, body and responses are compiled once at start-up.
 */

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Record<string, unknown>;
}

/** What a request carries, as express parsed it. */
export interface RequestParts {
  path: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  hasBody: boolean;
}

export interface OperationValidator {
  /** Coerces path and query values to their types in place. @throws ApiProblem VALIDATION_FAILED naming each invalid field */
  request(parts: RequestParts): { path: Record<string, unknown>; query: Record<string, unknown> };
  /** The errors of a response body against the document, or null when valid (or not described as JSON). */
  response(status: number, body: unknown): string | null;
}

const DOC_ID = 'openapi.json';

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** One invalid field per Ajv error, named by parameter or JSON pointer. */
function invalidParams(where: InvalidParam['in'], errors: readonly ErrorObject[] | null | undefined, prefix = ''): InvalidParam[] {
  const out: InvalidParam[] = [];
  for (const e of errors ?? []) {
    // A failed oneOf/anyOf says only that no branch matched; its branches' own errors say which field.
    if (e.keyword === 'if') continue;
    let name = e.instancePath.replace(/^\//, '');
    let reason = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      name = name === '' ? missing : `${name}/${missing}`;
      reason = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      name = name === '' ? extra : `${name}/${extra}`;
      reason = where === 'query' ? 'is not a parameter of this route' : 'is not a property this route accepts';
    } else if (e.keyword === 'enum') {
      reason = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    out.push({ in: where, name: where === 'body' ? `${prefix}/${name}`.replace(/\/$/, '') || '/' : name || prefix, reason });
  }
  const seen = new Set<string>();
  return out.filter((p) => {
    const k = `${p.in}:${p.name}:${p.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function describe(params: readonly InvalidParam[]): string {
  return params.map((p) => `${p.in} ${p.in === 'body' ? p.name : JSON.stringify(p.name)} ${p.reason}`).join('; ');
}

/** Validators of every operation of a document, by operationId. */
export function compileValidators(document: Record<string, unknown>): Map<string, OperationValidator> {
  // Two instances: parameters arrive as strings and are coerced to their declared types; bodies never are.
  const strict = { strict: false, allErrors: true, validateFormats: true } as const;
  const bodies = new Ajv2020(strict);
  const params = new Ajv2020({ ...strict, coerceTypes: true, useDefaults: true });
  addFormats.default(bodies);
  addFormats.default(params);
  bodies.addSchema(document, DOC_ID);
  const out = new Map<string, OperationValidator>();
  const paths = document.paths as Record<string, Record<string, { operationId: string; parameters?: Parameter[]; requestBody?: { content: Record<string, unknown> }; responses: Record<string, { content?: Record<string, unknown> }> }>>;
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const group = (where: 'path' | 'query') => {
        const list = (op.parameters ?? []).filter((p) => p.in === where);
        return params.compile({
          type: 'object',
          properties: Object.fromEntries(list.map((p) => [p.name, p.schema])),
          required: list.filter((p) => p.required).map((p) => p.name),
          additionalProperties: false,
        });
      };
      const pathValidator = group('path');
      const queryValidator = group('query');
      const base = `${DOC_ID}#/paths/${pointer(path, method)}`;
      const bodyValidator: ValidateFunction | null = op.requestBody?.content['application/json'] ? bodies.compile({ $ref: `${base}/requestBody/content/application~1json/schema` }) : null;
      const responseValidators = new Map<string, ValidateFunction>();
      for (const [status, r] of Object.entries(op.responses)) {
        for (const type of ['application/json', 'application/problem+json']) {
          if (r.content?.[type]) responseValidators.set(status, bodies.compile({ $ref: `${base}/responses/${status}/content/${pointer(type)}/schema` }));
        }
      }
      out.set(op.operationId, {
        request(parts) {
          const invalid: InvalidParam[] = [];
          const pathValues: Record<string, unknown> = { ...parts.path };
          if (!pathValidator(pathValues)) invalid.push(...invalidParams('path', pathValidator.errors));
          const queryValues: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(parts.query)) {
            if (Array.isArray(v)) invalid.push({ in: 'query', name: k, reason: 'is given more than once' });
            else queryValues[k] = v;
          }
          if (!queryValidator(queryValues)) invalid.push(...invalidParams('query', queryValidator.errors));
          if (bodyValidator) {
            if (!parts.hasBody) invalid.push({ in: 'body', name: '/', reason: 'a JSON body is required' });
            else if (!bodyValidator(parts.body)) invalid.push(...invalidParams('body', bodyValidator.errors));
          }
          if (invalid.length > 0) throw new ApiProblem('VALIDATION_FAILED', describe(invalid), invalid);
          return { path: pathValues, query: queryValues };
        },
        response(status, body) {
          const v = responseValidators.get(String(status));
          if (v === undefined) return null;
          return v(body) ? null : bodies.errorsText(v.errors);
        },
      });
    }
  }
  return out;
}
