import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from '@creditstream/logging';
import { reportScriptHashes } from '@creditstream/model';
import type { AuthFailureLimiter } from './auth-limiter';
import { ApiProblem } from './errors';
import { OPERATIONS, openApiDocument } from './openapi';
import { renderReference } from './reference';
import type { Principal, Role } from './tokens';
import { compileValidators } from './validation';

/** What a handler gets: the caller and the validated, coerced request. */
export interface HandlerContext {
  principal: Principal;
  path: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** What a handler answers; the dispatcher adds the ETag, validates (when asked) and sends. */
export interface Reply {
  status: number;
  body: unknown;
  /** @default 'application/json' */
  contentType?: string;
}

export type Handler = (ctx: HandlerContext) => Promise<Reply>;

export interface AppOptions {
  handlers: Record<string, Handler>;
  authenticate: (token: string) => Promise<Principal | null>;
  /** Counts failed authentications per client IP (`req.ip`: see `trust proxy`) and answers 429 past its limit. */
  authFailures?: AuthFailureLimiter;
  logger: Logger;
  validateResponses: boolean;
  /** Folder of the built dashboard; served at / when it exists. */
  dashboardDir: string;
  /** Observes every API request: operation (or 'unmatched'), status and duration. */
  observe?: (operation: string, status: number, seconds: number) => void;
}

const toExpressPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

function sendProblem(res: Response, req: Request, err: ApiProblem): void {
  res.status(err.status).type('application/problem+json').send(JSON.stringify(err.body(req.path)));
}

/** A strong ETag of a body: a hash of its bytes. */
export function etagOf(payload: string | Buffer): string {
  return `"${createHash('sha1').update(payload).digest('base64url')}"`;
}

/** True when If-None-Match names the ETag (or is `*`). */
function notModified(req: Request, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (header === undefined) return false;
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === etag || v === `W/${etag}`;
  });
}

/**
 * The API's routes, built from the OpenAPI document: every operation gets authentication, its role check (from
 * `x-roles`), request validation and its handler; anything else under /api answers 404 (or 405) as problem+json.
 * Request logs name the operation, never a customer id or a token.
 */
export function createApiRouter(options: AppOptions): Router {
  const document = openApiDocument();
  const validators = compileValidators(document);
  const router = express.Router();
  // The model report draws its charts with the Chart.js it embeds: its two scripts are allowed by their hashes (also
  // in the dashboard, which frames the report), nothing else inline.
  router.use(helmet({ contentSecurityPolicy: { directives: { 'script-src': ["'self'", ...reportScriptHashes()] } } }));
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('text/html').send(renderReference(document));
  });
  // JSON bodies (also without a content type); any other type is left unparsed and refused by the route with 415.
  router.use('/api', express.json({ limit: '64kb', type: (req) => { const t = req.headers['content-type']; return t === undefined || /^application\/(.+\+)?json\b/i.test(t); } }));
  const known = new Map<string, Set<string>>();
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    known.set(toExpressPath(path), new Set(Object.keys(methods).map((m) => m.toUpperCase())));
    for (const [method, op] of Object.entries(methods)) {
      const handler = options.handlers[op.operationId];
      if (handler === undefined) throw new Error(`operation ${op.operationId} of the OpenAPI document has no handler`);
      const validator = validators.get(op.operationId);
      if (validator === undefined) throw new Error(`operation ${op.operationId} has no validator`);
      const roles = new Set<Role>(op.roles);
      const route = async (req: Request, res: Response) => {
        const t0 = performance.now();
        let status = 500;
        try {
          const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
          const wait = options.authFailures?.blockedFor(client);
          if (wait !== undefined) {
            res.set('Retry-After', String(wait));
            throw new ApiProblem('TOO_MANY_AUTH_FAILURES', `too many failed authentications from this client: try again in ${wait} s`);
          }
          const principal = await authenticate(req, options.authenticate).catch((err: unknown) => {
            if (err instanceof ApiProblem && err.status === 401) options.authFailures?.failed(client);
            throw err;
          });
          if (!roles.has(principal.role)) throw new ApiProblem('FORBIDDEN', `role ${principal.role} may not call ${op.operationId}; it needs one of: ${[...roles].join(', ')}`);
          if (op.body && req.headers['content-type'] !== undefined && !/^application\/(.+\+)?json\b/i.test(req.headers['content-type'])) {
            throw new ApiProblem('UNSUPPORTED_MEDIA_TYPE', `content-type ${JSON.stringify(req.headers['content-type'])} is not application/json`);
          }
          const hasBody = req.body !== undefined && (typeof req.body !== 'object' || req.body === null || Object.keys(req.body as object).length > 0 || (req.headers['content-length'] ?? '0') !== '0');
          const { path: p, query } = validator.request({ path: req.params as Record<string, string>, query: req.query as Record<string, unknown>, body: req.body, hasBody });
          const reply = await handler({ principal, path: p as Record<string, string>, query, body: (req.body ?? {}) as Record<string, unknown> });
          status = reply.status;
          if (options.validateResponses) {
            const errors = validator.response(reply.status, reply.body);
            if (errors !== null) {
              options.logger.error({ operation: op.operationId, status: reply.status, errors }, 'response does not match the OpenAPI document');
              throw new ApiProblem('RESPONSE_INVALID', `the ${op.operationId} response does not match the API description: ${errors}`);
            }
          }
          const contentType = reply.contentType ?? 'application/json';
          const payload = contentType === 'application/json' ? JSON.stringify(reply.body) : Buffer.isBuffer(reply.body) ? reply.body : String(reply.body);
          res.status(reply.status).type(contentType);
          if (op.etag && reply.status === 200) {
            const etag = etagOf(payload);
            res.set('ETag', etag);
            res.set('Cache-Control', 'private, no-cache');
            if (notModified(req, etag)) {
              status = 304;
              res.status(304).end();
              return;
            }
          }
          res.send(payload);
        } catch (err) {
          const problem = err instanceof ApiProblem ? err : new ApiProblem('INTERNAL', 'unexpected error; it was logged');
          if (!(err instanceof ApiProblem)) options.logger.error({ err, operation: op.operationId }, 'request failed');
          if (problem.status === 401) res.set('WWW-Authenticate', 'Bearer realm="creditstream"');
          status = problem.status;
          sendProblem(res, req, problem);
        } finally {
          options.observe?.(op.operationId, status, (performance.now() - t0) / 1000);
        }
      };
      (router as unknown as Record<string, (path: string, h: typeof route) => void>)[method]?.(toExpressPath(path), route);
    }
  }
  router.use('/api', (req, res) => {
    const methods = [...known.entries()].find(([p]) => matchPath(p, `${req.baseUrl}${req.path}`))?.[1];
    const problem = methods
      ? new ApiProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.originalUrl.split('?')[0]}; allowed: ${[...methods].join(', ')}`)
      : new ApiProblem('ROUTE_NOT_FOUND', `no route ${req.method} ${req.originalUrl.split('?')[0]}; the routes are listed in /openapi.json`);
    if (methods) res.set('Allow', [...methods].join(', '));
    options.observe?.('unmatched', problem.status, 0);
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.body(req.originalUrl.split('?')[0] ?? '')));
  });
  if (existsSync(options.dashboardDir)) {
    router.use(express.static(options.dashboardDir, { index: 'index.html', maxAge: '1h', setHeaders: (res, file) => file.endsWith('index.html') && res.setHeader('Cache-Control', 'no-cache') }));
  }
  // A malformed JSON body is a 400 naming the body, not a 500.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') return sendProblem(res, req, new ApiProblem('VALIDATION_FAILED', `the body is not valid JSON: ${e.message ?? ''}`, [{ in: 'body', name: '/', reason: 'is not valid JSON' }]));
    if (e.type === 'entity.too.large') return sendProblem(res, req, new ApiProblem('PAYLOAD_TOO_LARGE', 'the body is larger than 64 KiB'));
    options.logger.error({ err }, 'request failed');
    return sendProblem(res, req, new ApiProblem('INTERNAL', 'unexpected error; it was logged'));
  });
  return router;
}

/** True when an express-style path (`/a/:x`) matches a concrete path. */
function matchPath(pattern: string, path: string): boolean {
  const a = pattern.split('/');
  const b = path.replace(/\/$/, '').split('/');
  return a.length === b.length && a.every((seg, i) => seg.startsWith(':') || seg === b[i]);
}

async function authenticate(req: Request, verify: (token: string) => Promise<Principal | null>): Promise<Principal> {
  const header = req.headers.authorization;
  if (header === undefined) throw new ApiProblem('UNAUTHENTICATED', 'no Authorization header: send `Authorization: Bearer <token>` (create a token with `creditstream api token create --role ROLE`)');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw new ApiProblem('UNAUTHENTICATED', 'the Authorization header is not `Bearer <token>`');
  const principal = await verify(match[1] as string);
  if (principal === null) throw new ApiProblem('UNAUTHENTICATED', 'the bearer token is unknown or revoked');
  return principal;
}
