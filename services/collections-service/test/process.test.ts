import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compressedJsonSerde } from '@creditstream/streams';
import type { StoreValue } from '../src/domain/state';
import { compilePolicy, DEFAULT_POLICY } from '../src/policy';
import { PolicyInvalidError } from '../src/errors';
import { interestSegments } from '../src/domain/interest';
import { Harness } from './harness';

describe('promises to pay (pure logic on an in-memory task)', () => {
  it('a promise pauses dunning of its invoices; kept when the amount is paid by the date, and no letter follows', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-09');
    h.command('PromiseToPay', '2024-02-10', { commandId: 'k1', actor: 'jo', invoiceIds: ['A'], amountMinor: 100_000, currency: 'EUR', promisedDate: '2024-02-20' });
    h.days('2024-02-10', '2024-02-17');
    h.pay('P1', '2024-02-18', [{ invoiceId: 'A', amountMinor: 100_000 }]);
    h.days('2024-02-18', '2024-03-31');
    assert.deepEqual(h.actions('PromiseToPayRecorded').map((p) => [p.payload.promiseId, p.payload.graceUntil]), [['c1:promise:k1', '2024-02-23']]);
    assert.deepEqual(h.actions('PromiseKept').map((p) => [p.payload.businessDate, p.payload.paidMinor]), [['2024-02-18', 100_000]]);
    assert.equal(h.actions('PromiseBroken').length, 0);
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => l.payload.level), [1]);
  });

  it('a promise not kept by its date plus the grace days is broken, and dunning resumes at the next level', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-09');
    h.command('PromiseToPay', '2024-02-10', { commandId: 'k1', actor: 'jo', invoiceIds: ['A'], amountMinor: 100_000, currency: 'EUR', promisedDate: '2024-02-20' });
    h.pay('P1', '2024-02-15', [{ invoiceId: 'A', amountMinor: 30_000 }]);
    h.days('2024-02-10', '2024-02-26');
    assert.deepEqual(h.actions('PromiseBroken').map((p) => [p.payload.businessDate, p.payload.paidMinor, p.payload.promisedMinor]), [['2024-02-24', 30_000, 100_000]]);
    // Level 2 was due on 22 Feb but paused; it goes out the day the promise is found broken, on what is still open.
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => [l.payload.businessDate, l.payload.level, l.payload.overdueMinor]), [['2024-02-08', 1, 100_000], ['2024-02-24', 2, 70_000]]);
  });

  it('refuses a promise on an invoice that is not open, and ignores a command id seen before', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.command('PromiseToPay', '2024-02-10', { commandId: 'k1', actor: 'jo', invoiceIds: ['Z'], amountMinor: 100, currency: 'EUR', promisedDate: '2024-02-20' });
    h.command('PromiseToPay', '2024-02-10', { commandId: 'k1', actor: 'jo', invoiceIds: ['A'], amountMinor: 100, currency: 'EUR', promisedDate: '2024-02-20' });
    assert.deepEqual(h.actions('CollectionCommandRefused').map((r) => [r.payload.commandId, r.payload.reasonCode]), [['k1', 'UNKNOWN_INVOICE']]);
    assert.equal(h.actions('PromiseToPayRecorded').length, 0);
    assert.deepEqual(h.rejections, []);
    const bad = h.command('PromiseToPay', '2024-02-10', { commandId: '', actor: 'jo', invoiceIds: ['A'], amountMinor: 100, currency: 'EUR', promisedDate: '2024-02-20' });
    assert.equal(bad && bad.code, 'INVALID_COMMAND', 'a malformed command is dead-lettered with its reason');
  });
});

describe('NSF payments (pure logic on an in-memory task)', () => {
  it('charges the policy\'s NSF fee, reopens the invoice (the fold) and resumes dunning at the level reached', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-14');
    h.pay('P1', '2024-02-15', [{ invoiceId: 'A', amountMinor: 100_000 }]);
    h.days('2024-02-15', '2024-02-19');
    h.send('payments', 'PaymentReturned', '2024-02-20', { paymentId: 'P1', amountMinor: 100_000, currency: 'EUR', reason: 'NSF', returnedOn: '2024-02-20', reversedApplications: [{ invoiceId: 'A', amountMinor: 100_000 }], feeMinor: 0 });
    h.days('2024-02-20', '2024-02-23');
    const fees = h.actions('CollectionFeeCharged');
    assert.deepEqual(fees.map((f) => [f.payload.kind, f.payload.amountMinor, f.payload.paymentId, f.payload.invoiceIds, f.eventId]), [['NSF', 2500, 'P1', ['A'], 'c1:fee:nsf:P1']]);
    assert.deepEqual(h.actions('CollectionLetterIssued').map((l) => [l.payload.businessDate, l.payload.level]), [['2024-02-08', 1], ['2024-02-22', 2]]);
  });
});

describe('interest notes (pure logic)', () => {
  it('charges each closed month once, per day on the open amount after partial payments', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-14');
    h.pay('P1', '2024-02-15', [{ invoiceId: 'A', amountMinor: 60_000 }]);
    h.days('2024-02-15', '2024-03-31');
    const notes = h.actions('InterestNoteIssued');
    assert.equal(notes.length, 1, 'March has not closed yet: one note, for February');
    const feb = notes[0]?.payload;
    // 13 days (2-14 Feb) on 100,000 and 15 days (15-29 Feb) on 40,000 at 1.5% a month = 18% a year.
    assert.deepEqual(feb?.lines.map((l) => [l.overdueMinor, l.daysCharged, l.rateBasisPoints, l.interestMinor]), [[100_000, 13, 1800, 641], [40_000, 15, 1800, 296]]);
    assert.equal(feb?.totalInterestMinor, 937);
    assert.deepEqual([feb?.periodEnd, feb?.businessDate, notes[0]?.eventId], ['2024-02-29', '2024-03-01', 'c1:interest:2024-02-29']);
    h.days('2024-04-01', '2024-04-01');
    const march = h.actions('InterestNoteIssued')[1]?.payload;
    assert.deepEqual(march?.lines.map((l) => [l.overdueMinor, l.daysCharged]), [[40_000, 31]], 'March is charged from 1 March: no day twice');
  });

  it('interest tiers: 1.5% a month to day 90, 2% from day 91', () => {
    const code = DEFAULT_POLICY.interestCodes[0];
    assert.ok(code);
    const inv = { invoiceId: 'A', dueDate: '2023-11-01', amountMinor: 100_000, currency: 'EUR', credits: [], payments: [], disputes: [], writeOff: null } as never;
    const lines = interestSegments(inv, code, '2024-01-01', '2024-01-31');
    assert.deepEqual(lines.map((l) => [l.daysCharged, l.rateBasisPoints]), [[30, 1800], [1, 2400]]);
  });

  it('waive, reinstate and reverse by command; each refused when the note is not in the right status', () => {
    const h = new Harness();
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-03-01');
    const noteId = h.actions('InterestNoteIssued')[0]?.payload.noteId as string;
    const total = h.value().c.interestMinor;
    h.command('WaiveInterest', '2024-03-02', { commandId: 'w1', actor: 'jo', noteId, reason: 'goodwill' });
    assert.equal(h.value().c.interestMinor, 0);
    h.command('WaiveInterest', '2024-03-02', { commandId: 'w2', actor: 'jo', noteId, reason: 'again' });
    h.command('ReinstateInterest', '2024-03-03', { commandId: 'r1', actor: 'jo', noteId, reason: 'by mistake' });
    assert.equal(h.value().c.interestMinor, total);
    h.command('ReverseInterest', '2024-03-04', { commandId: 'v1', actor: 'jo', noteId, reason: 'charged in error' });
    h.command('ReinstateInterest', '2024-03-05', { commandId: 'r2', actor: 'jo', noteId, reason: 'no' });
    assert.deepEqual(h.actions('InterestNoteStatusChanged').map((s) => s.payload.status), ['WAIVED', 'REINSTATED', 'REVERSED']);
    assert.deepEqual(h.actions('CollectionCommandRefused').map((r) => [r.payload.commandId, r.payload.reasonCode]), [['w2', 'WRONG_NOTE_STATUS'], ['r2', 'WRONG_NOTE_STATUS']]);
    assert.equal(h.value().c.interestMinor, 0);
  });
});

describe('prediction-driven collection start (pure logic)', () => {
  it('starts once when P(on time) falls below the threshold before the due date, with the model version and top factors', () => {
    const h = new Harness();
    h.register();
    h.issue('B', '2024-02-01', '2024-03-02');
    h.predict('B', '2024-02-05', 0.6);
    h.predict('B', '2024-02-06', 0.45);
    const starts = h.actions('CollectionStarted');
    assert.deepEqual(starts.map((s) => [s.payload.trigger, s.payload.episode, s.payload.pOnTime, s.payload.modelVersion, s.payload.topFactors.map((f) => f.feature), s.eventId]), [['PREDICTION', 1, 0.45, '7', ['share_late_90d'], 'c1:start:B:p1']]);
  });

  it('does not flap: a probability hovering at the threshold starts no new episode until it recovered above threshold + hysteresis', () => {
    const h = new Harness();
    h.register();
    h.issue('B', '2024-02-01', '2024-03-02');
    for (const [d, p] of [['02-06', 0.45], ['02-07', 0.52], ['02-08', 0.48], ['02-09', 0.55], ['02-10', 0.49], ['02-11', 0.59], ['02-12', 0.47]] as const) h.predict('B', `2024-${d}`, p);
    assert.equal(h.actions('CollectionStarted').length, 1);
    h.predict('B', '2024-02-13', 0.65);
    h.predict('B', '2024-02-14', 0.4);
    assert.deepEqual(h.actions('CollectionStarted').map((s) => s.payload.episode), [1, 2]);
    // Once overdue, predictions start nothing, and the invoice gets no second (overdue) start.
    h.predict('B', '2024-03-04', 0.2);
    h.days('2024-03-01', '2024-03-05');
    assert.deepEqual(h.actions('CollectionStarted').map((s) => s.payload.trigger), ['PREDICTION', 'PREDICTION']);
  });
});

describe('prediction-driven start, live as in a replay (regression: the chaos run\'s collection actions differed from an uninterrupted run)', () => {
  for (const [what, paid] of [['a partial payment', 40_000], ['a payment in full', 100_000]] as const) {
    it(`a prediction taken after ${what} of the same day (live) starts the same collection as taken before it (replay)`, () => {
      const replay = new Harness();
      const live = new Harness();
      for (const h of [replay, live]) {
        h.register();
        h.issue('B', '2024-02-01', '2024-03-02', 100_000);
      }
      replay.predict('B', '2024-02-05', 0.3);
      replay.pay('P1', '2024-02-05', [{ invoiceId: 'B', amountMinor: paid }]);
      live.pay('P1', '2024-02-05', [{ invoiceId: 'B', amountMinor: paid }]);
      live.predict('B', '2024-02-05', 0.3);
      const starts = (h: Harness) => h.actions('CollectionStarted').map((a) => JSON.stringify(a));
      assert.equal(starts(replay).length, 1);
      assert.deepEqual(starts(live), starts(replay));
      assert.equal(live.actions('CollectionStarted')[0]?.payload.amountMinor, 100_000, 'the amount open when the invoice was scored');
    });
  }
});

describe('write-off (pure logic)', () => {
  it('proposes an old invoice with nothing paid; above the threshold two different people must approve, then InvoiceWrittenOff follows', () => {
    const h = new Harness();
    h.register();
    h.issue('W', '2023-05-02', '2023-06-01', 150_000);
    h.days('2023-06-01', '2023-11-28');
    const proposals = h.actions('WriteOffProposed');
    assert.deepEqual(proposals.map((p) => [p.payload.businessDate, p.payload.daysOverdue, p.payload.amountMinor, p.payload.fourEyes]), [['2023-11-28', 180, 150_000, true]]);
    const proposalId = proposals[0]?.payload.proposalId as string;
    h.command('ApproveWriteOff', '2023-11-29', { commandId: 'a1', actor: 'alice', proposalId, reason: 'gone' });
    h.command('ApproveWriteOff', '2023-11-29', { commandId: 'a2', actor: 'alice', proposalId, reason: 'gone' });
    assert.equal(h.forwarded.filter((f) => f.topic === 'invoices').length, 0, 'one approval is not enough');
    h.command('ApproveWriteOff', '2023-11-30', { commandId: 'a3', actor: 'bob', proposalId, reason: 'gone' });
    assert.deepEqual(h.actions('WriteOffApprovalRecorded').map((a) => a.payload.actor), ['alice']);
    assert.deepEqual(h.actions('CollectionCommandRefused').map((r) => r.payload.reasonCode), ['SAME_APPROVER']);
    assert.deepEqual(h.actions('WriteOffApproved').map((a) => a.payload.approvedBy), [['alice', 'bob']]);
    const writeOffs = h.forwarded.filter((f) => f.topic === 'invoices').map((f) => f.event as unknown as { type: string; payload: { invoiceId: string; amountMinor: number } });
    assert.deepEqual(writeOffs.map((w) => [w.type, w.payload.invoiceId, w.payload.amountMinor]), [['InvoiceWrittenOff', 'W', 150_000]]);
  });
});

describe('determinism', () => {
  function scenario(h: Harness, from: number, to: number): void {
    const steps: (() => void)[] = [
      () => h.register(),
      () => h.issue('A', '2024-01-02', '2024-02-01'),
      () => h.issue('B', '2024-01-10', '2024-02-09', 70_000),
      () => h.predict('B', '2024-01-20', 0.3),
      () => h.days('2024-02-01', '2024-02-14'),
      () => h.pay('P1', '2024-02-15', [{ invoiceId: 'A', amountMinor: 60_000 }]),
      () => h.command('PromiseToPay', '2024-02-16', { commandId: 'k1', actor: 'jo', invoiceIds: ['B'], amountMinor: 70_000, currency: 'EUR', promisedDate: '2024-02-20' }),
      () => h.days('2024-02-15', '2024-04-02'),
    ];
    for (let i = from; i < to; i++) steps[i]?.();
  }

  it('a task restored from a checkpoint in the middle produces the same actions, with the same ids and content, as an uninterrupted run', () => {
    const straight = new Harness();
    scenario(straight, 0, 8);
    const first = new Harness();
    scenario(first, 0, 5);
    // What a checkpoint keeps: every value serialised, and the partition clock.
    const serde = compressedJsonSerde<StoreValue>();
    const second = new Harness();
    second.ctx.store.load([...first.ctx.store.entries()].map(([k, v]) => [k, serde.deserialize(serde.serialize(v))]));
    const clock = first.ctx.clock.reading;
    assert.ok(clock);
    second.ctx.clock.restore(clock);
    Object.assign(second, { lastTick: clock.businessDate, offsets: { ...(first as unknown as { offsets: object }).offsets } });
    second.processor.restored(second.ctx);
    scenario(second, 5, 8);
    const joined = [...first.forwarded, ...second.forwarded];
    assert.ok(straight.forwarded.length > 8, `the scenario produces actions (${straight.forwarded.length})`);
    assert.equal(JSON.stringify(joined), JSON.stringify(straight.forwarded));
  });
});

describe('collection policy documents', () => {
  it('applies the JSON Schema defaults and names every problem with its path', () => {
    const p = compilePolicy({ policyId: 'p', version: '1', effectiveFrom: '2024-01-01', sequences: [{ sequenceId: 's', levels: [{ days: 3, minOverdueMinor: 0, feeMinor: 0, note: 'x' }] }], defaultSequence: 's', interestCodes: [] });
    assert.deepEqual([p.prediction, p.promises.graceDays, p.nsf.feeMinor, p.agingPeriods, p.sequences[0]?.levels[0]?.blocksAccount], [{ threshold: 0.5, hysteresis: 0.1 }, 3, 2500, [30, 60, 90], false]);
    const six = Array.from({ length: 6 }, () => ({ days: 1, minOverdueMinor: 0, feeMinor: 0, note: 'x' }));
    assert.throws(() => compilePolicy({ policyId: 'p', version: '1', effectiveFrom: '2024-01-01', sequences: [{ sequenceId: 's', levels: six }], defaultSequence: 's', interestCodes: [] }), (err: unknown) => err instanceof PolicyInvalidError && /\/sequences\/0\/levels must NOT have more than 5 items/.test(err.message));
    assert.throws(() => compilePolicy({ policyId: 'p', version: '1', effectiveFrom: '2024-01-01', sequences: [{ sequenceId: 's', levels: [{ days: -1, minOverdueMinor: 0, feeMinor: 0, note: 'x' }] }], defaultSequence: 'nope', interestCodes: [] }), (err: unknown) => err instanceof PolicyInvalidError && /levels\/0\/days must be >= 0/.test(err.message));
    assert.throws(() => compilePolicy({ policyId: 'p', version: '1', effectiveFrom: '2024-01-01', sequences: [{ sequenceId: 's', levels: [{ days: 1, minOverdueMinor: 0, feeMinor: 0, note: 'x' }] }], defaultSequence: 'nope', interestCodes: [] }), /\/defaultSequence names no sequence: "nope"/);
  });

  it('a policy that fails validation on the policies topic is dead-lettered with POLICY_INVALID and the policy in force stays', () => {
    const h = new Harness();
    const r = h.send('policies', 'CollectionPolicyPublished', '2024-01-01', { policyId: 'p', version: '9', effectiveFrom: '2024-01-01', document: '{"policyId":"p"}', publishedBy: 't', partition: 0 }, '*');
    assert.equal(r && r.code, 'POLICY_INVALID');
    h.register();
    h.issue('A', '2024-01-02', '2024-02-01');
    h.days('2024-02-01', '2024-02-08');
    assert.equal(h.actions('CollectionLetterIssued')[0]?.payload.policyVersion, 'builtin@1');
  });
});

describe('the example policy file', () => {
  it('is valid against the published JSON Schema', () => {
    const doc = JSON.parse(readFileSync(join(__dirname, '..', '..', 'policies', 'example.json'), 'utf8')) as unknown;
    const p = compilePolicy(doc);
    assert.deepEqual([p.sequences.length, p.overrides[0]?.segment, p.overrides[0]?.interestCode], [2, 'enterprise', null]);
  });
});

describe('write-off fed back late (live) or at once (replay)', () => {
  function run(feedBackLate: boolean): string[] {
    const h = new Harness();
    h.register();
    h.issue('W', '2023-05-02', '2023-06-01', 50_000);
    h.days('2023-06-01', '2023-11-28');
    const proposalId = h.actions('WriteOffProposed')[0]?.payload.proposalId as string;
    h.command('ApproveWriteOff', '2023-11-29', { commandId: 'a1', actor: 'alice', proposalId, reason: 'gone' });
    const writeOff = h.forwarded.find((f) => f.topic === 'invoices')?.event as unknown as { type: string; eventTime: string; payload: object };
    assert.ok(writeOff && writeOff.eventTime === '2023-11-29T09:00:00.001Z', 'the write-off is stamped 1 ms after its approval');
    const feed = () => h.send('invoices', writeOff.type, writeOff.eventTime.slice(0, 10), writeOff.payload);
    if (!feedBackLate) feed();
    h.days('2023-11-29', '2024-01-10');
    if (feedBackLate) feed();
    h.days('2024-01-11', '2024-02-05');
    return h.forwarded.filter((f) => f.topic === 'actions').map((f) => JSON.stringify(f.event));
  }

  it('gives the same actions: no letter, interest or aging for the invoice from the approval on, however late the InvoiceWrittenOff comes back', () => {
    const late = run(true);
    assert.deepEqual(late, run(false));
    assert.ok(late.some((a) => a.includes('"WriteOffApproved"')));
    assert.ok(!late.some((a) => a.includes('"InterestNoteIssued"') && a.includes('2023-12-31')), 'no interest for December');
  });
});

describe('interest on interest (pure logic)', () => {
  it('with the code\'s interestOnInterest, a month\'s base includes the interest charged before and still standing', () => {
    const code = { code: 'ioi', tiers: [{ fromDays: 0, monthlyRateBasisPoints: 150 }], interestOnInterest: true, minNoteMinor: 0 };
    const inv = { invoiceId: 'A', dueDate: '2024-01-31', amountMinor: 100_000, currency: 'EUR', credits: [], payments: [], disputes: [], writeOff: null } as never;
    assert.deepEqual(interestSegments(inv, code, '2024-03-01', '2024-03-31', 1_381).map((l) => [l.overdueMinor, l.daysCharged]), [[101_381, 31]]);
    assert.deepEqual(interestSegments(inv, { ...code, interestOnInterest: false }, '2024-03-01', '2024-03-31', 1_381).map((l) => l.overdueMinor), [100_000]);
  });
});
