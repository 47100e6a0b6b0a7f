import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger } from '@creditstream/logging';
import { reportScriptHashes } from '@creditstream/model';
import { createApiRouter, type Handler, type Reply } from '../src/app';
import { OPERATIONS } from '../src/openapi';
import { ROLES, type Principal, type Role } from '../src/tokens';

/** A valid request for every operation: path values and, for writes, a body the document accepts. */
const EXAMPLE_PATH: Record<string, string> = { customerId: 'C-1', orderId: 'O-1', adjustmentId: 'adj-1', version: 'v1', commandId: 'cmd-1', noteId: 'n-1', proposalId: 'p-1', asOf: '2024-01-31', disputeId: 'c1:dispute:d-1', ruleSetVersion: '2024.3', reportId: 'what-if:1' };
const EXAMPLE_BODY: Record<string, object> = {
  releaseCreditHold: { reason: 'paid by wire', recheck: true },
  requestCreditLimitAdjustment: { changeMinor: 100_000, currency: 'EUR', reason: 'growth' },
  approveCreditLimitAdjustment: {},
  recordPromiseToPay: { invoiceIds: ['I-1'], amountMinor: 5000, currency: 'EUR', promisedDate: '2024-05-01' },
  openDispute: { invoiceId: 'I-1', amountMinor: 5000, currency: 'EUR', reason: 'quantity' },
  resolveDispute: { invoiceId: 'I-1', outcome: 'PARTIALLY_CREDITED', creditedMinor: 1000, currency: 'EUR', reason: 'agreed' },
};

const concrete = (path: string) => path.replace(/\{([^}]+)\}/g, (_, name: string) => EXAMPLE_PATH[name] as string);

interface Harness {
  url: string;
  calls: string[];
  close(): Promise<void>;
}

async function start(replies: Record<string, Reply> = {}, validateResponses = false): Promise<Harness> {
  const calls: string[] = [];
  const handlers: Record<string, Handler> = {};
  for (const methods of Object.values(OPERATIONS)) {
    for (const op of Object.values(methods)) {
      handlers[op.operationId] = async () => {
        calls.push(op.operationId);
        return replies[op.operationId] ?? { status: op.ok.status === '202' ? 202 : 200, body: { ok: true } };
      };
    }
  }
  const tokens = new Map<string, Principal>(ROLES.map((role) => [`token-${role}`, { tokenId: role, name: `${role} user`, role }]));
  const app = express();
  app.use(
    createApiRouter({
      handlers,
      authenticate: async (t) => tokens.get(t) ?? null,
      logger: createLogger({ name: 'router-test', level: 'silent' }),
      validateResponses,
      dashboardDir: '/nonexistent',
    }),
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const bearer = (role: Role) => ({ authorization: `Bearer token-${role}` });

describe('insights API router (built from the OpenAPI document)', () => {
  let h: Harness;
  before(async () => {
    h = await start();
  });
  after(async () => h.close());

  it('limits every route to the roles the document names, and lets exactly those through', async () => {
    let checked = 0;
    for (const [path, methods] of Object.entries(OPERATIONS)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const role of ROLES) {
          const body = method === 'post' ? JSON.stringify(EXAMPLE_BODY[op.operationId] ?? { reason: 'because' }) : undefined;
          const res = await fetch(`${h.url}${concrete(path)}`, { method: method.toUpperCase(), headers: { ...bearer(role), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
          const allowed = op.roles.includes(role);
          assert.equal(res.status, allowed ? Number(op.ok.status) : 403, `${role} ${method.toUpperCase()} ${path}: ${await res.text()}`);
          checked += 1;
        }
      }
    }
    const writes = Object.values(OPERATIONS).flatMap((m) => Object.entries(m)).filter(([method]) => method === 'post');
    assert.ok(writes.length >= 9, 'every write route is covered');
    assert.equal(checked, Object.values(OPERATIONS).reduce((n, m) => n + Object.keys(m).length, 0) * ROLES.length);
  });

  it('answers 401 problem+json without a token or with an unknown one, and never calls the handler', async () => {
    const before = h.calls.length;
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }]) {
      const res = await fetch(`${h.url}/api/customers`, { headers });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="creditstream"');
      assert.equal(((await res.json()) as { code: string }).code, 'UNAUTHENTICATED');
    }
    assert.equal(h.calls.length, before);
  });

  it('names every invalid query parameter, path parameter and body field', async () => {
    let res = await fetch(`${h.url}/api/customers?limit=0&highLateBalance=maybe&colour=red`, { headers: bearer('viewer') });
    assert.equal(res.status, 400);
    const p = (await res.json()) as { code: string; invalidParams: { in: string; name: string }[]; detail: string };
    assert.equal(p.code, 'VALIDATION_FAILED');
    assert.deepEqual(p.invalidParams.map((x) => `${x.in}:${x.name}`).sort(), ['query:colour', 'query:highLateBalance', 'query:limit']);
    res = await fetch(`${h.url}/api/models/latest`, { headers: bearer('viewer') });
    assert.equal(res.status, 400);
    assert.deepEqual(((await res.json()) as typeof p).invalidParams.map((x) => `${x.in}:${x.name}`), ['path:version']);
    res = await fetch(`${h.url}/api/credit/customers/C-1/holds/O-1/release`, { method: 'POST', headers: { ...bearer('credit-manager'), 'content-type': 'application/json' }, body: JSON.stringify({ recheck: 'yes', extra: 1 }) });
    assert.equal(res.status, 400);
    assert.deepEqual(((await res.json()) as typeof p).invalidParams.map((x) => `${x.in}:${x.name}`).sort(), ['body:/extra', 'body:/reason', 'body:/recheck']);
    res = await fetch(`${h.url}/api/credit/customers/C-1/limit-adjustments`, { method: 'POST', headers: { ...bearer('credit-manager'), 'content-type': 'application/json' }, body: JSON.stringify({ currency: 'EUR', reason: 'x' }) });
    assert.equal(res.status, 400, 'an amount or a percentage is required');
    res = await fetch(`${h.url}/api/credit/customers/C-1/block`, { method: 'POST', headers: { ...bearer('credit-manager'), 'content-type': 'application/json' }, body: '{"reason": ' });
    assert.equal(res.status, 400);
    assert.deepEqual(((await res.json()) as typeof p).invalidParams, [{ in: 'body', name: '/', reason: 'is not valid JSON' }]);
    res = await fetch(`${h.url}/api/credit/customers/C-1/block`, { method: 'POST', headers: { ...bearer('credit-manager') } });
    assert.equal(res.status, 400, 'a missing body is named');
    res = await fetch(`${h.url}/api/credit/customers/C-1/block`, { method: 'POST', headers: { ...bearer('credit-manager'), 'content-type': 'text/plain' }, body: 'block it' });
    assert.equal(res.status, 415);
  });

  it('answers unknown routes 404 and known routes with another method 405, as problem+json', async () => {
    let res = await fetch(`${h.url}/api/nothing-here`, { headers: bearer('admin') });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { code: string }).code, 'ROUTE_NOT_FOUND');
    res = await fetch(`${h.url}/api/customers/C-1`, { method: 'DELETE', headers: bearer('admin') });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
  });

  it('sends an ETag with reads and 304 when If-None-Match matches it', async () => {
    const res = await fetch(`${h.url}/api/customers/C-1`, { headers: bearer('viewer') });
    assert.equal(res.status, 200);
    const etag = res.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(`${h.url}/api/customers/C-1`, { headers: { ...bearer('viewer'), 'if-none-match': etag } });
    assert.equal(again.status, 304);
    const other = await fetch(`${h.url}/api/customers/C-1`, { headers: { ...bearer('viewer'), 'if-none-match': '"other"' } });
    assert.equal(other.status, 200);
  });

  it('sets security headers', async () => {
    const res = await fetch(`${h.url}/api/me`, { headers: bearer('viewer') });
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    for (const hash of reportScriptHashes()) assert.ok(scriptSrc.includes(hash), `script-src allows the model report's script ${hash}`);
    assert.doesNotMatch(scriptSrc, /unsafe-inline|unsafe-eval/);
    assert.ok(res.headers.get('strict-transport-security'));
    assert.equal(res.headers.get('x-powered-by'), null);
  });

  it('serves the OpenAPI 3.1 document and a reference page listing every operation', async () => {
    const doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    assert.equal(doc.openapi, '3.1.0');
    const page = await (await fetch(`${h.url}/docs`)).text();
    for (const methods of Object.values(doc.paths)) for (const op of Object.values(methods)) assert.ok(page.includes(`id="${op.operationId}"`), op.operationId);
  });
});

describe('insights API response validation', () => {
  it('refuses to send a response the document does not allow', async () => {
    const h = await start({ getMe: { status: 200, body: { tokenId: 't', name: 'n', role: 'superuser' } } }, true);
    try {
      const res = await fetch(`${h.url}/api/me`, { headers: bearer('viewer') });
      assert.equal(res.status, 500);
      const p = (await res.json()) as { code: string; detail: string };
      assert.equal(p.code, 'RESPONSE_INVALID');
      assert.match(p.detail, /role/);
    } finally {
      await h.close();
    }
  });
});
