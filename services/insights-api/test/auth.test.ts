import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger } from '@creditstream/logging';
import { createApiRouter, type Handler } from '../src/app';
import { AuthFailureLimiter, trustProxy } from '../src/auth-limiter';
import { openApiDocument } from '../src/openapi';
import { ROLES, type Principal, type Role } from '../src/tokens';

type Schema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  examples?: unknown[];
  example?: unknown;
};
interface Operation {
  operationId: string;
  'x-roles': Role[];
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
}

const DOCUMENT = openApiDocument() as unknown as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

/** Strings that satisfy the patterns ids, currencies, versions and dates use; the first that fits a schema is taken. */
const STRING_CANDIDATES = ['X-1', 'EUR', 'v1', '2024-05-01', 'because', 'a'];

/**
 * A value a JSON schema accepts, generated from the schema itself (its example, enum, format, pattern, bounds), so a
 * route added to the document is exercised without anyone writing its example here. A schema it cannot satisfy
 * fails the test naming where, instead of being skipped.
 */
function exampleOf(schema: Schema, where: string): unknown {
  if (schema.$ref !== undefined) {
    const target = DOCUMENT.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
    if (target === undefined) throw new Error(`${where}: unresolvable ${schema.$ref}`);
    return exampleOf(target, where);
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.examples !== undefined && schema.examples.length > 0) return schema.examples[0];
  if (schema.enum !== undefined) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'string': {
      if (schema.format === 'date') return '2024-05-01';
      if (schema.format === 'date-time') return '2024-05-01T00:00:00.000Z';
      const fits = (s: string) => (schema.pattern === undefined || new RegExp(schema.pattern, 'u').test(s)) && s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Infinity);
      const found = STRING_CANDIDATES.find(fits);
      if (found === undefined) throw new Error(`${where}: no example string fits ${JSON.stringify(schema)}; give the schema an \`examples\` entry`);
      return found;
    }
    case 'integer':
    case 'number':
      return Math.min(Math.max(schema.minimum ?? 1, 1), schema.maximum ?? Infinity);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(schema.minItems ?? 1, 1) }, (_, i) => {
        const item = exampleOf(schema.items ?? {}, `${where}[${i}]`);
        return typeof item === 'string' && i > 0 ? `${item}${i}` : item;
      });
    case 'object': {
      const required = new Set([...(schema.required ?? []), ...(schema.oneOf?.[0]?.required ?? []), ...(schema.anyOf?.[0]?.required ?? [])]);
      const out: Record<string, unknown> = {};
      for (const name of required) out[name] = exampleOf(schema.properties?.[name] ?? {}, `${where}.${name}`);
      return out;
    }
    default:
      throw new Error(`${where}: cannot make an example of ${JSON.stringify(schema)}`);
  }
}

/** Every write route of the OpenAPI document (anything but GET), with a concrete URL and a body it accepts. */
function writeRoutes(): { method: string; path: string; url: string; body: string | undefined; op: Operation; ok: number }[] {
  const routes = [];
  for (const [path, methods] of Object.entries(DOCUMENT.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (method === 'get' || method === 'head' || method === 'options') continue;
      const values = new Map((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, String(exampleOf(p.schema, `${op.operationId} path ${p.name}`))]));
      const query = (op.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => `${p.name}=${encodeURIComponent(String(exampleOf(p.schema, `${op.operationId} query ${p.name}`)))}`);
      const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const value = values.get(name);
        if (value === undefined) throw new Error(`${op.operationId}: path parameter ${name} is not described`);
        return encodeURIComponent(value);
      }) + (query.length > 0 ? `?${query.join('&')}` : '');
      const schema = op.requestBody?.content['application/json']?.schema;
      const ok = Number(Object.keys(op.responses).find((s) => /^2\d\d$/.test(s)));
      routes.push({ method: method.toUpperCase(), path, url, body: schema === undefined ? undefined : JSON.stringify(exampleOf(schema, `${op.operationId} body`)), op, ok });
    }
  }
  return routes;
}

interface Harness {
  url: string;
  calls: string[];
  close(): Promise<void>;
}

/** The API router from the document, every handler answering its success status, tokens of each role, and `limiter`. */
async function start(limiter: AuthFailureLimiter | undefined, options: { trustProxy?: boolean } = {}): Promise<Harness> {
  const calls: string[] = [];
  const handlers: Record<string, Handler> = {};
  for (const methods of Object.values(DOCUMENT.paths)) {
    for (const op of Object.values(methods)) {
      const ok = Number(Object.keys(op.responses).find((s) => /^2\d\d$/.test(s)));
      handlers[op.operationId] = async () => {
        calls.push(op.operationId);
        return { status: ok, body: { ok: true } };
      };
    }
  }
  const tokens = new Map<string, Principal>(ROLES.map((role) => [`token-${role}`, { tokenId: role, name: `${role} user`, role }]));
  const app = express();
  if (options.trustProxy) app.set('trust proxy', true);
  app.use(createApiRouter({ handlers, authenticate: async (t) => tokens.get(t) ?? null, ...(limiter ? { authFailures: limiter } : {}), logger: createLogger({ name: 'auth-test', level: 'silent' }), validateResponses: false, dashboardDir: '/nonexistent' }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function send(h: Harness, route: { method: string; url: string; body: string | undefined }, headers: Record<string, string>): Promise<Response> {
  return fetch(`${h.url}${route.url}`, { method: route.method, headers: { ...headers, ...(route.body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(route.body === undefined ? {} : { body: route.body }) });
}

const bearer = (role: Role | string) => ({ authorization: `Bearer token-${role}` });

describe('insights API authentication: every write route of the OpenAPI document', () => {
  const routes = writeRoutes();
  let h: Harness;
  before(async () => {
    h = await start(undefined);
  });
  after(async () => h.close());

  it('finds the write routes in the document, each limited to roles that exclude viewers', () => {
    assert.ok(routes.length >= 16, `${routes.length} write routes`);
    for (const r of routes) {
      assert.ok(r.op['x-roles'].length > 0, `${r.method} ${r.path} names its roles`);
      assert.ok(!r.op['x-roles'].includes('viewer'), `${r.method} ${r.path} is a write: viewers may not call it`);
      assert.ok(r.ok >= 200 && r.ok < 300, `${r.method} ${r.path} documents its success status`);
      for (const status of ['401', '403', '429']) assert.ok(status in r.op.responses, `${r.method} ${r.path} documents ${status}`);
    }
  });

  for (const r of writeRoutes()) {
    it(`${r.method} ${r.path}: no token or an unknown one → 401, a role not in x-roles → 403, each listed role → ${r.ok}`, async () => {
      const before = h.calls.length;
      for (const headers of [{}, { authorization: 'Bearer not-a-token' }, { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }] as Record<string, string>[]) {
        const res = await send(h, r, headers);
        const text = await res.text();
        assert.equal(res.status, 401, `${JSON.stringify(headers)}: ${text}`);
        assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="creditstream"');
        assert.equal((JSON.parse(text) as { code: string }).code, 'UNAUTHENTICATED');
      }
      for (const role of ROLES.filter((x) => !r.op['x-roles'].includes(x))) {
        const res = await send(h, r, bearer(role));
        const text = await res.text();
        assert.equal(res.status, 403, `${role}: ${text}`);
        assert.equal((JSON.parse(text) as { code: string }).code, 'FORBIDDEN');
      }
      assert.equal(h.calls.length, before, 'the handler never ran for a refused request');
      for (const role of r.op['x-roles']) {
        const res = await send(h, r, bearer(role));
        assert.equal(res.status, r.ok, `${role} with ${r.body ?? 'no body'}: ${await res.text()}`);
      }
      assert.deepEqual(h.calls.slice(before), r.op['x-roles'].map(() => r.op.operationId));
    });
  }
});

describe('insights API: failed authentications are rate-limited per client IP', () => {
  let clock: number;
  let limiter: AuthFailureLimiter;
  let h: Harness;
  const write = writeRoutes()[0] as ReturnType<typeof writeRoutes>[number];
  const from = (ip: string, headers: Record<string, string> = {}) => ({ ...headers, 'x-forwarded-for': ip });
  const admin = bearer('admin');

  beforeEach(async () => {
    clock = 1_000_000;
    limiter = new AuthFailureLimiter({ maxFailures: 5, windowMs: 60_000, now: () => clock });
    h = await start(limiter, { trustProxy: true });
  });
  afterEach(async () => h.close());

  it('answers 429 problem+json with Retry-After to every request of a client past the limit, even one with a valid token, until its window ends', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await send(h, write, from('203.0.113.7', { authorization: `Bearer guess-${i}` }));
      assert.equal(res.status, 401, `failure ${i + 1} is still answered 401`);
    }
    clock += 15_000;
    const before = h.calls.length;
    for (const headers of [{ authorization: 'Bearer guess-6' }, admin]) {
      const res = await send(h, write, from('203.0.113.7', headers));
      const text = await res.text();
      assert.equal(res.status, 429, text);
      assert.equal(res.headers.get('retry-after'), '45', 'the rest of the minute that began with the first failure');
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      const problem = JSON.parse(text) as { code: string; status: number; detail: string };
      assert.equal(problem.code, 'TOO_MANY_AUTH_FAILURES');
      assert.equal(problem.status, 429);
      assert.match(problem.detail, /try again in 45 s/);
    }
    const read = await fetch(`${h.url}/api/me`, { headers: from('203.0.113.7', admin) });
    assert.equal(read.status, 429, 'reads too: the client is blocked, not the route');
    assert.equal(h.calls.length, before, 'no handler ran for a blocked client');
    clock += 45_000;
    const after = await send(h, write, from('203.0.113.7', admin));
    assert.equal(after.status, write.ok, 'a new window: the valid token works again');
  });

  it('counts only failed authentications: valid tokens and wrong roles (403) never block, and other clients are not affected', async () => {
    for (let i = 0; i < 20; i++) {
      assert.equal((await send(h, write, from('198.51.100.1', bearer('viewer')))).status, 403);
      assert.equal((await send(h, write, from('198.51.100.1', admin))).status, write.ok);
    }
    for (let i = 0; i < 6; i++) await send(h, write, from('203.0.113.9'));
    assert.equal((await send(h, write, from('203.0.113.9', admin))).status, 429, 'the failing client is blocked');
    assert.equal((await send(h, write, from('198.51.100.1', admin))).status, write.ok, 'another client is not');
    assert.equal((await send(h, write, from('198.51.100.2', {}))).status, 401, 'a third still gets its own 401s');
  });

  it('keeps its memory bounded: beyond maxClients the expired windows, then the oldest, are dropped', () => {
    let now = 0;
    const l = new AuthFailureLimiter({ maxFailures: 1, windowMs: 1_000, maxClients: 3, now: () => now });
    for (const ip of ['a', 'b', 'c']) l.failed(ip);
    assert.equal(l.blockedFor('a'), 1);
    l.failed('d');
    assert.equal(l.size, 3);
    assert.equal(l.blockedFor('a'), undefined, 'the oldest went first');
    assert.equal(l.blockedFor('d'), 1);
    now = 1_000;
    l.failed('e');
    assert.equal(l.size, 1, 'every expired window was dropped');
    assert.throws(() => new AuthFailureLimiter({ maxFailures: 0 }), /maxFailures=0 is invalid/);
  });

  it('reads INSIGHTS_API_TRUST_PROXY as express takes it', () => {
    assert.equal(trustProxy('true'), true);
    assert.equal(trustProxy('2'), 2);
    assert.equal(trustProxy('loopback, 10.0.0.0/8'), 'loopback, 10.0.0.0/8');
  });
});
