import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CustomerEnvelope, InvoiceEnvelope, PaymentEnvelope } from '@creditstream/schemas';
import { applyCustomerEvent, applyInvoiceEvent, applyOrderPlaced, applyPaymentEvent, BUILTIN_RULES, FraudRulesInvalidError, findSignals, initialRules, newHistory, rampStrength, RECENT_ORDERS, type CustomerHistory } from '../src';
import { at, DAY, limit, registered, rulesWith, T0 } from './helpers';

const signal = (h: CustomerHistory, amountMinor: number, days: number, rules = BUILTIN_RULES, currency = 'EUR') => {
  const found = findSignals(h, { orderId: 'X', amountMinor, currency, time: T0 + days * DAY }, rules);
  return Object.fromEntries(found.map((f) => [f.code, f]));
};

describe('fraud signals and the customer history (pure)', () => {
  it('a ramp is 0 at or below its threshold, 1 at or above its saturation, linear between', () => {
    const r = { threshold: 2, saturation: 6 };
    assert.deepEqual([0, 2, 3, 6, 100, Number.POSITIVE_INFINITY, Number.NaN].map((x) => rampStrength(x, r)), [0, 0, 0.25, 1, 1, 1, 0]);
  });

  it('the open balance follows invoices, credit notes, write-offs, applications and returns; other currencies are left out', () => {
    const h = newHistory(T0);
    applyCustomerEvent(h, registered('C', 0) as unknown as CustomerEnvelope);
    const inv = (type: string, amountMinor: number, currency = 'EUR') => applyInvoiceEvent(h, { type, eventId: 'i', eventTime: at(1), customerId: 'C', causationId: null, payload: { invoiceId: 'I', amountMinor, currency } } as unknown as InvoiceEnvelope);
    inv('InvoiceIssued', 10_000);
    inv('InvoiceIssued', 99_999, 'USD');
    inv('InvoiceAdjusted', 1_000);
    inv('InvoiceWrittenOff', 500);
    const pay = (type: string, amountMinor: number) => applyPaymentEvent(h, { type, eventId: 'p', eventTime: at(2), customerId: 'C', causationId: null, payload: { paymentId: 'P', amountMinor, currency: 'EUR', applications: [{ invoiceId: 'I', amountMinor }], reversedApplications: [{ invoiceId: 'I', amountMinor }] } } as unknown as PaymentEnvelope, T0 + 2 * DAY);
    pay('PaymentReceived', 3_000);
    assert.equal(h.balanceMinor, 10_000 - 1_000 - 500 - 3_000);
    pay('PaymentReturned', 3_000);
    assert.equal(h.balanceMinor, 10_000 - 1_000 - 500);
    assert.deepEqual(h.returns, [T0 + 2 * DAY]);
  });

  it('keeps the latest orders only, and the latest returns', () => {
    const h = newHistory(T0);
    for (let i = 0; i < RECENT_ORDERS + 10; i++) applyOrderPlaced(h, `O${i}`, 100 + i, T0 + i);
    assert.equal(h.orders, RECENT_ORDERS + 10);
    assert.equal(h.recent.id.length, RECENT_ORDERS);
    assert.equal(h.recent.id[0], 'O10');
    for (let i = 0; i < 10; i++) applyPaymentEvent(h, { type: 'PaymentReturned', payload: { currency: 'EUR', reversedApplications: [] } } as unknown as PaymentEnvelope, T0 + i);
    assert.equal(h.returns.length, 4);
  });

  it('a temporary limit counts until its last day, then the permanent one again; unlimited and no-credit accounts are not scored against a limit', () => {
    const h = newHistory(T0);
    applyCustomerEvent(h, registered('C', 0) as unknown as CustomerEnvelope);
    applyCustomerEvent(h, limit('C', 0, 100_000) as unknown as CustomerEnvelope);
    applyCustomerEvent(h, limit('C', 0, 1_000_000, { temporary: true, expiresOn: at(10).slice(0, 10) }) as unknown as CustomerEnvelope);
    assert.equal(signal(h, 200_000, 5)['new-account-large-order']?.strength, 0, 'within the temporary limit');
    assert.ok((signal(h, 200_000, 12)['new-account-large-order']?.strength ?? 0) > 0, 'the temporary limit has expired');
    applyCustomerEvent(h, limit('C', 11, 0, { unlimited: true }) as unknown as CustomerEnvelope);
    assert.equal(signal(h, 300_000, 12)['new-account-large-order']?.strength, 0);
    assert.equal(signal(h, 300_000, 12)['over-credit-limit']?.strength, 0);
    applyCustomerEvent(h, limit('C', 11, 0) as unknown as CustomerEnvelope);
    assert.equal(signal(h, 300_000, 12)['new-account-large-order']?.strength, 0, 'no credit: the credit service holds every order');
  });

  it('the new-account signal fades between fullDays and maxDays', () => {
    const h = newHistory(T0);
    applyCustomerEvent(h, registered('C', 0) as unknown as CustomerEnvelope);
    applyCustomerEvent(h, limit('C', 0, 100_000) as unknown as CustomerEnvelope);
    const r = BUILTIN_RULES.signals['new-account-large-order'];
    const at = (days: number) => signal(h, 1_000_000, days)['new-account-large-order']?.strength ?? 0;
    assert.equal(at(r.fullDays - 1), 1);
    assert.ok(Math.abs(at((r.fullDays + r.maxDays) / 2) - 0.5) < 0.02);
    assert.equal(at(r.maxDays + 1), 0);
  });

  it('the velocity prior: a short history is not a burst, a burst against a long quiet history is', () => {
    const quiet = newHistory(T0);
    for (let d = 0; d < 300; d += 30) applyOrderPlaced(quiet, `Q${d}`, 10_000, T0 + d * DAY);
    for (let i = 0; i < 5; i++) applyOrderPlaced(quiet, `B${i}`, 10_000, T0 + 300 * DAY + i * 3_600_000);
    assert.ok((signal(quiet, 10_000, 300.3).velocity?.strength ?? 0) > 0.3);
    const young = newHistory(T0);
    applyOrderPlaced(young, 'Y1', 10_000, T0);
    assert.equal(signal(young, 10_000, 0.5).velocity?.strength, 0, 'a second order on the first day of a new customer');
  });

  it('the service reads a default rule set from a YAML or JSON file, and refuses an invalid one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraud-rules-'));
    try {
      const yamlFile = join(dir, 'default.yaml');
      writeFileSync(yamlFile, stringify(rulesWith('ops-1', (r) => (r.reviewThreshold = 0.6))));
      const initial = initialRules(yamlFile);
      assert.equal(initial.version, 'ops-1');
      assert.equal(initial.effectiveAt, Number.NEGATIVE_INFINITY);
      assert.equal(initialRules(undefined).version, BUILTIN_RULES.version);
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ version: 'x' }));
      assert.throws(() => initialRules(bad), FraudRulesInvalidError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
