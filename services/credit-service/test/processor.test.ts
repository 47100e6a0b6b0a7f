import assert from 'node:assert/strict';
import type { CreditCommandRefused, CreditDecision, CreditHoldPlaced, CreditHoldRejected, CreditHoldReleased, CreditLimitAdjustmentRequested } from '@creditstream/schemas';
import { PARTITION_KEY, type CustomerCredit } from '../src';
import { decisions, fakeContext, outputs, processor, Records, TOPICS } from './support';

const T = (day: string, hour = 10) => `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
const payloads = (events: { payload: unknown }[]) => events.map((e) => e.payload as CreditDecision);

describe('credit processor (against an in-memory task context)', () => {
  it('holds an order over its credit limit, and a payment that clears the limit releases it naming the payment', () => {
    const p = processor({ fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    for (const rec of [r.registered(), r.limit(10_000), r.invoice('I1', 8_000, '2024-01-03', '2024-02-02')]) assert.equal(p.process(rec, ctx), undefined);
    p.process(r.order('SO1', 5_000, T('2024-01-04')), ctx);
    const [held] = decisions(forwarded);
    assert.ok(held);
    assert.equal(held.eventId, 'order-event-SO1:credit-decision');
    assert.equal(held.causationId, 'order-event-SO1');
    assert.equal(held.payload.decision, 'HELD');
    assert.equal(held.payload.holdId, 'c1:hold:SO1');
    assert.deepEqual(held.payload.rulesFired.map((f) => [f.ruleId, f.ruleType, f.scope]), [['credit-limit', 'credit-limit-exceeded', 'ALL']]);
    assert.equal(held.payload.rulesFired[0]?.inputs.exposureMinor, '13000');
    assert.equal(held.payload.rulesFired[0]?.inputs.limitMinor, '10000');
    assert.equal(held.payload.ruleSetVersion, 'builtin-2');
    assert.equal(held.payload.exposureMinor, 13_000);
    assert.equal(p.view('c1', ctx.store.get('c1') as CustomerCredit)?.holds.length, 1);

    // A partial payment that still leaves the exposure over the limit changes nothing.
    p.process(r.payment('P1', 'I1', 2_000, '2024-01-05'), ctx);
    assert.equal(outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased').length, 0);
    const pay = r.payment('P2', 'I1', 6_000, '2024-01-06');
    p.process(pay, ctx);
    const [released] = outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased');
    assert.ok(released);
    assert.deepEqual({ ...released.payload }, { orderId: 'SO1', holdId: 'c1:hold:SO1', reason: `no rule holds it any more after PaymentReceived ${pay.event.eventId}`, actor: 'system', automatic: true, clearedBy: pay.event.eventId, commandId: null, reviewDate: null });
    assert.equal(released.eventId, 'c1:hold:SO1:released');
    assert.equal(p.view('c1', ctx.store.get('c1') as CustomerCredit)?.holds.length, 0);
  });

  it('exposure: BALANCE counts the order on top of the balance, BALANCE_AND_OPEN_ORDERS every open order; 0 = no credit; unlimited never fires', () => {
    const cases: [Parameters<Records['limit']>[1], number, string][] = [
      [{ limitType: 'BALANCE' }, 10_000, 'APPROVED'], // 0 balance + 6,000 ≤ 10,000 (the first order is not counted)
      [{ limitType: 'BALANCE_AND_OPEN_ORDERS' }, 10_000, 'HELD'], // 6,000 + 6,000 open orders > 10,000
      [{}, 0, 'HELD'],
      [{ unlimited: true }, 0, 'APPROVED'],
    ];
    for (const [options, amount, expected] of cases) {
      const p = processor({ fraud: { mode: 'off' } });
      const { ctx, forwarded } = fakeContext();
      const r = new Records();
      p.process(r.registered(), ctx);
      p.process(r.limit(amount, options), ctx);
      if (amount > 0) p.process(r.order('SO1', 6_000, T('2024-01-04', 9)), ctx);
      p.process(r.order('SO2', 6_000, T('2024-01-04')), ctx);
      const last = decisions(forwarded).at(-1);
      assert.equal(last?.payload.decision, expected, JSON.stringify(options));
    }
  });

  it('an expired limit holds; a temporary limit applies up to its expiry, then the permanent one', () => {
    const p = processor({ fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.limit(5_000), ctx);
    p.process(r.limit(50_000, { temporary: true, expiresOn: '2024-01-31', time: T('2024-01-02', 9) }), ctx);
    p.process(r.order('SO1', 20_000, T('2024-01-15')), ctx);
    p.process(r.order('SO2', 20_000, T('2024-02-01')), ctx);
    assert.deepEqual(payloads(decisions(forwarded)).map((d) => [d.orderId, d.decision, d.creditLimitMinor]), [['SO1', 'APPROVED', 50_000], ['SO2', 'HELD', 5_000]]);
    const p2 = processor({ fraud: { mode: 'off' } });
    const c2 = fakeContext();
    p2.process(r.registered('c2'), c2.ctx);
    p2.process(r.limit(100_000, { customerId: 'c2', expiresOn: '2024-01-31' }), c2.ctx);
    p2.process(r.order('SO3', 1_000, T('2024-02-01'), 'c2'), c2.ctx);
    assert.deepEqual(decisions(c2.forwarded)[0]?.payload.rulesFired.map((f) => f.ruleType), ['credit-limit-expired']);
  });

  it('waits for the fraud check: CLEAR approves, REVIEW holds (and no payment releases it), an early check is used at once', () => {
    const p = processor();
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.order('SO1', 100, T('2024-01-04')), ctx);
    assert.equal(decisions(forwarded).length, 0, 'no decision before the fraud check');
    assert.equal(p.view('c1', ctx.store.get('c1') as CustomerCredit)?.pendingOrders, 1);
    p.process(r.fraud('SO1', 'CLEAR', T('2024-01-04')), ctx);
    p.process(r.order('SO2', 100, T('2024-01-04', 11)), ctx);
    p.process(r.fraud('SO2', 'REVIEW', T('2024-01-04', 11)), ctx);
    p.process(r.fraud('SO3', 'CLEAR', T('2024-01-04', 12)), ctx);
    p.process(r.order('SO3', 100, T('2024-01-04', 12)), ctx);
    const ds = payloads(decisions(forwarded));
    assert.deepEqual(ds.map((d) => [d.orderId, d.decision, d.fraudCheckId]), [['SO1', 'APPROVED', 'fraud-SO1'], ['SO2', 'HELD', 'fraud-SO2'], ['SO3', 'APPROVED', 'fraud-SO3']]);
    assert.deepEqual(ds[1]?.rulesFired.map((f) => f.ruleType), ['fraud-review']);
    p.process(r.invoice('I1', 100, '2024-01-05', '2024-02-05'), ctx);
    p.process(r.payment('P1', 'I1', 100, '2024-01-06'), ctx);
    assert.equal(outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased').length, 0, 'a fraud review is released only by a person');
  });

  it('a missing fraud check: the wait ends when the fraud topic moves past the order, or days later on the clock; a late CLEAR releases', () => {
    const p = processor({ fraud: { marginMs: 60_000, maxDays: 2 } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.registered('c2'), ctx);
    p.process(r.order('SO1', 100, T('2024-01-04', 10)), ctx);
    p.process(r.order('SO2', 100, '2024-01-04T10:00:30.000Z', 'c2'), ctx);
    // Within the margin: the fraud service may still check SO1.
    p.process(r.fraud('SO2', 'CLEAR', '2024-01-04T10:00:30.000Z', 'c2'), ctx);
    assert.deepEqual(payloads(decisions(forwarded)).map((d) => d.orderId), ['SO2']);
    p.process(r.order('SO3', 100, T('2024-01-04', 11), 'c2'), ctx);
    p.process(r.fraud('SO3', 'CLEAR', T('2024-01-04', 11), 'c2'), ctx);
    const ds = payloads(decisions(forwarded));
    assert.deepEqual(ds.map((d) => [d.orderId, d.decision]), [['SO2', 'APPROVED'], ['SO1', 'HELD'], ['SO3', 'APPROVED']], 'SO1 expires before SO3\'s own check decides SO3');
    assert.deepEqual(ds[1]?.rulesFired.map((f) => f.ruleType), ['fraud-check-missing']);
    const late = r.fraud('SO1', 'CLEAR', T('2024-01-04', 10));
    p.process(late, ctx);
    assert.deepEqual(outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased').map((e) => [e.payload.orderId, e.payload.clearedBy]), [['SO1', 'fraud-SO1']]);
    // The clock: two business days after the order date.
    p.process(r.order('SO4', 100, T('2024-01-05')), ctx);
    p.process(r.tick('2024-01-06'), ctx);
    assert.equal(decisions(forwarded).length, 3);
    p.process(r.tick('2024-01-07'), ctx);
    assert.deepEqual(decisions(forwarded).at(-1)?.payload.rulesFired.map((f) => f.ruleType), ['fraud-check-missing']);
  });

  it('exactly one decision per order: a redelivered record, the same order sent again, a replay after a restore', () => {
    const p = processor();
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    const order = r.order('SO1', 100, T('2024-01-04'));
    p.process(order, ctx);
    p.process(r.again(order), ctx);
    p.process(r.order('SO1', 100, T('2024-01-04')), ctx);
    // A restore re-derives the wait from the state: the check then decides the order once.
    const restoredProcessor = processor();
    restoredProcessor.restored(ctx);
    restoredProcessor.process(r.fraud('SO1', 'CLEAR', T('2024-01-04')), ctx);
    restoredProcessor.process(r.fraud('SO1', 'CLEAR', T('2024-01-04')), ctx);
    assert.deepEqual(decisions(forwarded).map((d) => d.eventId), ['order-event-SO1:credit-decision']);
  });

  it('an unregistered customer\'s order is held and released when it registers; a closed account\'s is held and rejected; another currency is held', () => {
    const p = processor({ fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.order('SO1', 100, T('2024-01-04')), ctx);
    assert.deepEqual(decisions(forwarded)[0]?.payload.rulesFired.map((f) => f.ruleType), ['unknown-customer']);
    const registration = r.registered('c1', T('2024-01-04', 11));
    p.process(registration, ctx);
    assert.equal(outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased')[0]?.payload.orderId, 'SO1');
    p.process(r.order('SO2', 100, T('2024-01-05'), 'c1', 'USD'), ctx);
    assert.deepEqual(decisions(forwarded).at(-1)?.payload.rulesFired.map((f) => f.ruleType), ['currency-mismatch']);
    p.process(r.status('CLOSED', T('2024-01-06')), ctx);
    assert.deepEqual(outputs<CreditHoldRejected>(forwarded, 'CreditHoldRejected').map((e) => e.payload.orderId), ['SO2'], 'closing the account rejects its holds');
    p.process(r.order('SO3', 100, T('2024-01-07')), ctx);
    assert.equal(decisions(forwarded).at(-1)?.payload.decision, 'HELD');
    assert.deepEqual(outputs<CreditHoldRejected>(forwarded, 'CreditHoldRejected').map((e) => [e.payload.orderId, e.payload.actor]), [['SO2', 'system'], ['SO3', 'system']]);
  });

  it('a blocked account\'s orders are held until it is reactivated', () => {
    const p = processor({ fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.status('BLOCKED'), ctx);
    p.process(r.order('SO1', 100, T('2024-01-04')), ctx);
    assert.deepEqual(decisions(forwarded)[0]?.payload.rulesFired.map((f) => f.ruleId), ['account-blocked']);
    p.process(r.status('ACTIVE', T('2024-01-05')), ctx);
    assert.equal(outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased').length, 1);
  });

  it('rule precedence customer → group → all, and an exclusion approves without further checks', () => {
    const rules = {
      version: 'v-test',
      rules: [
        { id: 'overdue-all', type: 'days-overdue' as const, days: 10 },
        { id: 'overdue-group', type: 'days-overdue' as const, days: 40, scope: { groupId: 'key-accounts' } },
        { id: 'overdue-vip', type: 'days-overdue' as const, days: 90, scope: { customerId: 'vip' } },
        { id: 'small-orders', type: 'order-amount-at-most' as const, amountMinor: 50, mode: 'exclusion' as const },
      ],
    };
    const p = processor({ rules, fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    for (const id of ['plain', 'grouped', 'vip']) {
      p.process(r.registered(id, undefined, id === 'plain' ? null : 'key-accounts'), ctx);
      p.process(r.invoice(`I-${id}`, 1_000, '2024-01-02', '2024-01-05', id), ctx);
      p.process(r.order(`SO-${id}`, 100, T('2024-02-04'), id), ctx); // 30 days overdue
    }
    p.process(r.order('SO-small', 50, T('2024-02-04', 11), 'plain'), ctx);
    const ds = payloads(decisions(forwarded));
    assert.deepEqual(ds.map((d) => [d.orderId, d.decision, d.rulesFired.map((f) => `${f.ruleId}:${f.scope}`).join(), d.excludedBy]), [
      ['SO-plain', 'HELD', 'overdue-all:ALL', null],
      ['SO-grouped', 'APPROVED', '', null],
      ['SO-vip', 'APPROVED', '', null],
      ['SO-small', 'APPROVED', '', 'small-orders'],
    ]);
  });

  it('commands: release, reject, forced hold (never auto-released), refusals as events, idempotent by command id', () => {
    const p = processor({ fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.limit(1_000), ctx);
    p.process(r.order('SO1', 2_000, T('2024-01-04')), ctx);
    p.process(r.order('SO2', 500, T('2024-01-04', 11)), ctx);
    p.process(r.order('SO3', 500, T('2024-01-04', 12)), ctx);
    const rel = { commandId: 'k1', actor: 'ann', orderId: 'SO1', recheck: true, reason: 'paid by wire', reviewDate: null };
    p.process(r.command('ReleaseCreditHold', rel), ctx);
    assert.deepEqual(outputs<CreditCommandRefused>(forwarded, 'CreditCommandRefused').map((e) => e.payload.reasonCode), ['RULES_STILL_FIRE']);
    p.process(r.command('RejectCreditHold', { commandId: 'k2', actor: 'ann', orderId: 'SO1', reason: 'too risky' }), ctx);
    p.process(r.command('ReleaseCreditHold', { ...rel, commandId: 'k3', recheck: false }), ctx);
    p.process(r.command('ReleaseCreditHold', { ...rel, commandId: 'k3', recheck: false }), ctx);
    p.process(r.command('PlaceCreditHold', { commandId: 'k4', actor: 'bob', orderId: 'SO2', reason: 'committee review' }), ctx);
    p.process(r.command('ReleaseCreditHold', { ...rel, commandId: 'k5', orderId: 'SO3', recheck: false, reviewDate: '2024-02-01' }), ctx);
    assert.deepEqual(outputs<CreditHoldRejected>(forwarded, 'CreditHoldRejected').map((e) => [e.payload.orderId, e.payload.actor, e.payload.commandId]), [['SO1', 'ann', 'k2']]);
    const refused = outputs<CreditCommandRefused>(forwarded, 'CreditCommandRefused').map((e) => e.payload);
    assert.deepEqual(refused.map((x) => [x.commandId, x.reasonCode]), [['k1', 'RULES_STILL_FIRE'], ['k3', 'ORDER_REJECTED'], ['k5', 'NOT_HELD']], 'k3 was refused once');
    const placed = outputs<CreditHoldPlaced>(forwarded, 'CreditHoldPlaced');
    assert.deepEqual(placed.map((e) => [e.payload.orderId, e.payload.holdId, e.payload.forced]), [['SO2', 'c1:hold:SO2', true]]);
    // A payment that would clear everything leaves the forced hold alone.
    p.process(r.limit(1_000_000, { time: T('2024-01-05') }), ctx);
    const view = p.view('c1', ctx.store.get('c1') as CustomerCredit);
    assert.deepEqual(view?.holds.map((h) => [h.orderId, h.forced, h.reasons.join()]), [['SO2', true, 'manual-hold']]);
    p.process(r.command('ReleaseCreditHold', { ...rel, commandId: 'k6', orderId: 'SO2', recheck: false }), ctx);
    assert.equal(outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased').at(-1)?.payload.orderId, 'SO2');
    assert.equal(outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased').at(-1)?.payload.automatic, false);
  });

  it('four eyes: a limit adjustment above the threshold waits for another person; small ones and approved ones are CreditLimitSet events', () => {
    const p = processor({ fraud: { mode: 'off' }, approvalThresholdMinor: 5_000 });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.limit(10_000), ctx);
    const base = { actor: 'ann', currency: 'EUR', temporary: false, expiresOn: null, reason: 'growth', changePercent: null };
    p.process(r.command('RequestCreditLimitAdjustment', { ...base, commandId: 'a1', adjustmentId: 'ADJ1', changeMinor: 2_000 }), ctx);
    p.process(r.command('RequestCreditLimitAdjustment', { ...base, commandId: 'a2', adjustmentId: 'ADJ2', changeMinor: null, changePercent: 100 }), ctx);
    p.process(r.command('ApproveCreditLimitAdjustment', { commandId: 'a3', actor: 'ann', adjustmentId: 'ADJ2' }), ctx);
    p.process(r.command('ApproveCreditLimitAdjustment', { commandId: 'a4', actor: 'bob', adjustmentId: 'ADJ2' }), ctx);
    const limits = forwarded.filter((f) => f.topic === TOPICS.customers).map((f) => f.event as unknown as { eventId: string; payload: { amountMinor: number; reason: string } });
    assert.deepEqual(limits.map((l) => [l.eventId, l.payload.amountMinor]), [['a1:limit-set', 12_000], ['a4:limit-set', 20_000]]);
    assert.match(limits[1]?.payload.reason ?? '', /requested by ann, approved by bob/);
    assert.deepEqual(outputs<CreditLimitAdjustmentRequested>(forwarded, 'CreditLimitAdjustmentRequested').map((e) => e.payload.newLimitMinor), [20_000]);
    assert.deepEqual(outputs<CreditCommandRefused>(forwarded, 'CreditCommandRefused').map((e) => e.payload.reasonCode), ['SAME_APPROVER']);
  });

  it('a block command holds new orders at once (before the status comes back on the customers topic); an unknown customer\'s command is refused', () => {
    const p = processor({ fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.command('BlockAccount', { commandId: 'b1', actor: 'ann', reason: 'fraud suspected' }, T('2024-01-03')), ctx);
    p.process(r.order('SO1', 100, T('2024-01-04')), ctx);
    assert.deepEqual(forwarded.filter((f) => f.topic === TOPICS.customers).map((f) => [f.event.eventId, (f.event.payload as { status: string }).status]), [['b1:account-status', 'BLOCKED']]);
    assert.equal(decisions(forwarded)[0]?.payload.decision, 'HELD');
    p.process(r.command('BlockAccount', { commandId: 'b2', actor: 'ann', reason: 'x' }, T('2024-01-03'), 'nobody'), ctx);
    assert.deepEqual(outputs<CreditCommandRefused>(forwarded, 'CreditCommandRefused').map((e) => e.payload.reasonCode), ['UNKNOWN_CUSTOMER']);
    assert.equal(p.process(r.command('BlockAccount', { commandId: '', actor: 'ann', reason: 'x' }), ctx)?.code, 'INVALID_COMMAND');
  });

  it('account rules: N returned payments within M days block the account', () => {
    const rules = { version: 'nsf', rules: [{ id: 'blocked', type: 'account-status' as const, statuses: ['BLOCKED' as const] }], accountRules: { returnedPayments: { count: 2, withinDays: 30 } } };
    const p = processor({ rules, fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.invoice('I1', 1_000, '2024-01-02', '2024-02-01'), ctx);
    for (const [id, day] of [['P1', '03'], ['P2', '05']] as const) {
      p.process(r.payment(id, 'I1', 1_000, `2024-01-${day}`), ctx);
      p.process(r.record(TOPICS.payments, 'PaymentReturned', `2024-01-${day}T18:00:00.000Z`, { paymentId: id, amountMinor: 1_000, currency: 'EUR', reason: 'NSF', returnedOn: `2024-01-${day}`, reversedApplications: [{ invoiceId: 'I1', amountMinor: 1_000 }], feeMinor: 0 }), ctx);
    }
    const blocks = forwarded.filter((f) => f.topic === TOPICS.customers);
    assert.equal(blocks.length, 1);
    assert.match((blocks[0]?.event.payload as { reason: string }).reason, /2 returned payments within 30 days/);
    p.process(r.order('SO1', 100, T('2024-01-06')), ctx);
    assert.equal(decisions(forwarded)[0]?.payload.decision, 'HELD');
  });

  it('a published rule set applies from its place in the stream, re-evaluates the holds, and survives a restore', () => {
    const p = processor({ fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.limit(100), ctx);
    p.process(r.order('SO1', 1_000, T('2024-01-04')), ctx);
    const document = JSON.stringify({ version: 'lenient-1', rules: [{ id: 'big', type: 'order-amount', amountMinor: 5_000 }] });
    p.process(r.record(TOPICS.rules, 'CreditRuleSetPublished', T('2024-01-05'), { version: 'lenient-1', document, sha256: 'x', publishedBy: 'ann', partition: 0 }, '*'), ctx);
    assert.equal(outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased')[0]?.payload.orderId, 'SO1');
    assert.ok(ctx.store.get(PARTITION_KEY));
    const again = processor({ fraud: { mode: 'off' } });
    again.restored(ctx);
    assert.equal(again.rules.version, 'lenient-1');
    again.process(r.order('SO2', 6_000, T('2024-01-06')), ctx);
    assert.deepEqual(decisions(forwarded).at(-1)?.payload.rulesFired.map((f) => f.ruleId), ['big']);
    assert.equal(decisions(forwarded).at(-1)?.payload.ruleSetVersion, 'lenient-1');
    const bad = p.process(r.record(TOPICS.rules, 'CreditRuleSetPublished', T('2024-01-07'), { version: 'x', document: '{"version":"x"}', sha256: 'x', publishedBy: 'ann', partition: 0 }, '*'), ctx);
    assert.equal(bad?.code, 'CREDIT_RULE_SET_INVALID');
  });

  it('regression (chaos test: one decision id with two contents, modelVersion null live and the model replayed): a decision names a model only when a rule of the set reads the predictions', () => {
    const outlook = (r: Records, time: string) => r.record(TOPICS.outlooks, 'CustomerPaymentOutlook', time, { businessDate: time.slice(0, 10), modelVersion: 'lgbm-7', currency: 'EUR', openBalanceMinor: 10_000, expectedOnTimeMinor: 2_000, expectedLateMinor: 5_000, expectedVeryLateMinor: 3_000, highLateBalance: true, openInvoiceCount: 1, atRiskInvoiceCount: 1 });
    const decide = (rules: object | null, withOutlook: boolean) => {
      const p = processor({ fraud: { mode: 'off' } });
      const { ctx, forwarded } = fakeContext();
      const r = new Records();
      p.process(r.registered(), ctx);
      p.process(r.limit(1_000_000), ctx);
      if (rules !== null) p.process(r.record(TOPICS.rules, 'CreditRuleSetPublished', T('2024-01-02'), { version: 'predictive-1', document: JSON.stringify(rules), sha256: 'x', publishedBy: 'ann', partition: 0 }, '*'), ctx);
      if (withOutlook) assert.equal(p.process(outlook(r, T('2024-01-03')), ctx), undefined);
      p.process(r.order('SO1', 1_000, T('2024-01-04')), ctx);
      return decisions(forwarded).at(-1)?.payload;
    };
    // The built-in rules read no prediction: the same decision whether the outlook has arrived or not.
    assert.deepEqual(decide(null, true), decide(null, false));
    assert.equal(decide(null, true)?.modelVersion, null);
    // A rule set that reads them names the model it read (and holds on it).
    const predictive = { version: 'predictive-1', rules: [{ id: 'late', type: 'expected-late-balance', share: 0.5 }] };
    const held = decide(predictive, true);
    assert.deepEqual([held?.modelVersion, held?.decision, held?.rulesFired.map((f) => f.ruleId)], ['lgbm-7', 'HELD', ['late']]);
    assert.equal(decide(predictive, false)?.modelVersion, null);
  });

  it('the order-shipped checkpoint holds the rest of an approved order when the rules fire at its first shipment', () => {
    const rules = { version: 'ship', checkpoints: { orderShipped: { enabled: true, graceDays: 2 } }, rules: [{ id: 'overdue', type: 'days-overdue' as const, days: 5 }] };
    const p = processor({ rules, fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(r.invoice('I1', 1_000, '2024-01-02', '2024-01-10'), ctx);
    p.process(r.order('SO1', 2_000, T('2024-01-12')), ctx); // 2 days overdue: approved
    const ship = (id: string, day: string, amount: number, final: boolean) => r.record(TOPICS.orders, 'OrderShipped', T(day, 8), { orderId: 'SO1', shipmentId: id, amountMinor: amount, currency: 'EUR', shippedOn: day, finalShipment: final });
    p.process(ship('SH1', '2024-01-13', 500, false), ctx); // within the grace days: no check
    assert.equal(outputs(forwarded, 'CreditHoldPlaced').length, 0);
    p.process(ship('SH2', '2024-01-20', 500, false), ctx); // 10 days overdue now
    const placed = outputs<CreditHoldPlaced>(forwarded, 'CreditHoldPlaced');
    assert.deepEqual(placed.map((e) => [e.payload.orderId, e.payload.forced, e.payload.actor]), [['SO1', false, 'system']]);
    assert.match(placed[0]?.payload.reason ?? '', /order-shipped checkpoint: overdue/);
    p.process(r.payment('P1', 'I1', 1_000, '2024-01-21'), ctx);
    assert.equal(outputs<CreditHoldReleased>(forwarded, 'CreditHoldReleased')[0]?.payload.orderId, 'SO1', 'a checkpoint hold is re-evaluated like any hold');
  });

  it('an invalid order is refused with the fold\'s reason (dead-lettered), and nothing is decided', () => {
    const p = processor({ fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    assert.equal(p.process(r.order('SO1', -5, T('2024-01-04')), ctx)?.code, 'INVALID_AMOUNT');
    assert.equal(decisions(forwarded).length, 0);
  });
});
