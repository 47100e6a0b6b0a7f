import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCollectionsSimulate, runCollectionsStatement } from '@creditstream/cli';
import { COLLECTIONS_INPUTS, createCollectionsService, DEFAULT_POLICY, loadCollectionsServiceConfig, simulateHistory, type HistoryRecord, type InputKind } from '@creditstream/collections-service';
import { committedTotal, createKafka, createProducer, endOffsetsTotal, ensureTopics, type EventProducer, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, topic as topicSpec, type CollectionActionEnvelope } from '@creditstream/schemas';
import { REPO_ROOT, stack, uniqueName, waitFor } from '@creditstream/testing';
import { dailyTicks, readTopic, scanTopic, simulateInto, spawnService, waitCaughtUp } from './pipeline';

const SERVICE_MAIN = join(REPO_ROOT, 'services', 'collections-service', 'dist', 'src', 'main.js');
const INPUT_TOPICS = COLLECTIONS_INPUTS.map(([t]) => t);

function isolation(name: string) {
  const prefix = `${uniqueName(name)}.`;
  return { prefix, database: uniqueName('cs').replace(/[-.]/g, '_'), groupId: uniqueName('collections-service'), topic: (t: string) => `${prefix}${t}` };
}

/** JSON with sorted keys: the same content whatever order an object's fields were set in. */
function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

type Action = CollectionActionEnvelope;
const of = <T extends Action['type']>(actions: Action[], type: T, customerId?: string) => actions.filter((a): a is Extract<Action, { type: T }> => a.type === type && (customerId === undefined || a.customerId === customerId));

/** Writes the scenario's history: each customer exercises one part of the collections process. */
export async function writeScenario(producer: EventProducer, topic: (t: string) => string): Promise<void> {
  const at = (date: string) => `${date}T09:00:00.000Z`;
  let n = 0;
  const ev = (customerId: string, date: string, type: string, payload: object) => ({ key: customerId, event: { eventId: `e2e-${++n}`, eventTime: at(date), customerId, causationId: null, type, payload } });
  const customers = ['LADDER', 'PARTIAL', 'DISPUTE', 'KEPT', 'BROKEN', 'NSF', 'INTEREST', 'EARLY', 'WRITEOFF'];
  await producer.send(topic(TOPIC.customers), customers.map((c) => ev(c, '2023-05-01', 'CustomerRegistered', { name: c, country: 'DE', segment: 'smb', currency: 'EUR', groupId: null, paperless: true, openedOn: '2020-01-01' })));
  const issue = (c: string, id: string, invoiceDate: string, dueDate: string, amountMinor = 100_000) => ev(c, invoiceDate, 'InvoiceIssued', { invoiceId: id, orderId: null, amountMinor, currency: 'EUR', invoiceDate, dueDate, termsCode: 'NET30', netDays: 30 });
  await producer.send(topic(TOPIC.invoices), [
    issue('WRITEOFF', 'W1', '2023-05-02', '2023-06-01', 150_000),
    issue('INTEREST', 'T1', '2023-10-02', '2023-11-01'),
    ...['LADDER', 'PARTIAL', 'DISPUTE', 'KEPT', 'BROKEN', 'NSF'].map((c) => issue(c, `${c}-1`, '2024-01-02', '2024-02-01')),
    issue('EARLY', 'E1', '2024-02-01', '2024-03-02'),
    ev('DISPUTE', '2024-02-10', 'InvoiceDisputed', { invoiceId: 'DISPUTE-1', disputeId: 'DSP-1', amountMinor: 100_000, currency: 'EUR', reason: 'quantity' }),
    ev('DISPUTE', '2024-03-05', 'DisputeResolved', { invoiceId: 'DISPUTE-1', disputeId: 'DSP-1', outcome: 'UPHELD', creditedMinor: 0, currency: 'EUR' }),
  ]);
  const pay = (c: string, id: string, date: string, invoiceId: string, amountMinor: number) => ev(c, date, 'PaymentReceived', { paymentId: id, amountMinor, currency: 'EUR', method: 'BANK_TRANSFER', receivedOn: date, applications: [{ invoiceId, amountMinor }], unappliedMinor: 0 });
  await producer.send(topic(TOPIC.payments), [
    pay('PARTIAL', 'PP-1', '2024-02-15', 'PARTIAL-1', 60_000),
    pay('BROKEN', 'PB-1', '2024-02-15', 'BROKEN-1', 30_000),
    pay('NSF', 'PN-1', '2024-02-15', 'NSF-1', 100_000),
    pay('KEPT', 'PK-1', '2024-02-18', 'KEPT-1', 100_000),
    ev('NSF', '2024-02-20', 'PaymentReturned', { paymentId: 'PN-1', amountMinor: 100_000, currency: 'EUR', reason: 'NSF', returnedOn: '2024-02-20', reversedApplications: [{ invoiceId: 'NSF-1', amountMinor: 100_000 }], feeMinor: 0 }),
    // A payment for an invoice nobody has seen: kept pending by the fold, never dead-lettered.
    pay('LADDER', 'PX-1', '2024-02-03', 'NOT-YET', 500),
  ]);
  const cmd = (c: string, date: string, type: string, payload: object) => ({ key: c, event: { eventId: `cmd-${(payload as { commandId: string }).commandId}`, eventTime: at(date), customerId: c, causationId: null, type, payload } });
  await producer.send(topic(TOPIC.collectionCommands), [
    cmd('WRITEOFF', '2023-11-29', 'ApproveWriteOff', { commandId: 'wo-1', actor: 'alice', proposalId: 'WRITEOFF:writeoff:W1', reason: 'customer gone' }),
    cmd('WRITEOFF', '2023-11-29', 'ApproveWriteOff', { commandId: 'wo-2', actor: 'alice', proposalId: 'WRITEOFF:writeoff:W1', reason: 'customer gone' }),
    cmd('WRITEOFF', '2023-11-30', 'ApproveWriteOff', { commandId: 'wo-3', actor: 'bob', proposalId: 'WRITEOFF:writeoff:W1', reason: 'customer gone' }),
    cmd('KEPT', '2024-02-10', 'PromiseToPay', { commandId: 'pk', actor: 'jo', invoiceIds: ['KEPT-1'], amountMinor: 100_000, currency: 'EUR', promisedDate: '2024-02-20' }),
    cmd('BROKEN', '2024-02-10', 'PromiseToPay', { commandId: 'pb', actor: 'jo', invoiceIds: ['BROKEN-1'], amountMinor: 100_000, currency: 'EUR', promisedDate: '2024-02-20' }),
    cmd('INTEREST', '2024-01-02', 'WaiveInterest', { commandId: 'waive-1', actor: 'jo', noteId: 'INTEREST:interest:2023-12-31', reason: 'goodwill' }),
    cmd('INTEREST', '2024-01-02', 'WaiveInterest', { commandId: 'waive-1', actor: 'jo', noteId: 'INTEREST:interest:2023-12-31', reason: 'goodwill' }),
    cmd('LADDER', '2024-02-02', 'PromiseToPay', { commandId: '', actor: 'jo', invoiceIds: ['LADDER-1'], amountMinor: 1, currency: 'EUR', promisedDate: '2024-02-20' }),
  ]);
  const predict = (date: string, pOnTime: number) => ev('EARLY', date, 'InvoicePaymentPredicted', { invoiceId: 'E1', businessDate: date, modelId: 'lgbm', modelVersion: '7', pOnTime, pLate: (1 - pOnTime) / 2, pVeryLate: (1 - pOnTime) / 2, predictedBucket: pOnTime >= 0.5 ? 'ON_TIME' : 'LATE', atRisk: pOnTime < 0.5, openAmountMinor: 100_000, currency: 'EUR', topFactors: [{ feature: 'share_late_90d', value: 0.7, contribution: 0.4 }], featureVectorId: 'fv-1' });
  await producer.send(topic(TOPIC.invoicePredictions), [
    ['2024-02-05', 0.6], ['2024-02-06', 0.45], ['2024-02-07', 0.52], ['2024-02-08', 0.48], ['2024-02-09', 0.55], ['2024-02-12', 0.65], ['2024-02-13', 0.4],
  ].map(([d, p]) => predict(d as string, p as number)));
  // A policy (the built-in one under another version) on every partition, and an invalid one.
  const partitions = topicSpec(TOPIC.clock).partitions;
  const policy = { ...DEFAULT_POLICY, policyId: 'e2e', version: '1', effectiveFrom: '2023-01-01' };
  const publish = (document: string, version: string) => Array.from({ length: partitions }, (_, partition) => ({ key: '*', partition, event: { eventId: `policy-${version}-p${partition}`, eventTime: '2023-01-01T00:00:00.000Z', customerId: '*', causationId: null, type: 'CollectionPolicyPublished', payload: { policyId: 'e2e', version, effectiveFrom: '2023-01-01', document, publishedBy: 'test', partition } } }));
  await producer.send(topic(TOPIC.collectionPolicies), [...publish(JSON.stringify(policy), '1'), ...publish('{"policyId":"e2e"}', 'broken').slice(0, 1)]);
  await producer.send(topic(TOPIC.clock), dailyTicks('2023-06-01', '2024-04-10'));
}

describe('collections service on the real stack', function () {
  let kafka: Kafka;
  let codec: SchemaCodec;
  let actions: Action[] = [];
  let writtenOff: { event: { type: string; payload: { invoiceId: string; amountMinor: number } } }[] = [];
  let deadLetters: string[] = [];
  let scenario: ReturnType<typeof isolation>;

  before(async function () {
    this.timeout(240_000);
    const s = stack();
    kafka = createKafka({ brokers: s.kafkaBrokers, clientId: 'test' });
    codec = new SchemaCodec({ registryUrl: s.schemaRegistryUrl });
    const iso = isolation('cs');
    scenario = iso;
    await ensureTopics(kafka, INPUT_TOPICS.map((t) => ({ ...topicSpec(t), name: iso.topic(t) })));
    for (const t of INPUT_TOPICS) await codec.register(iso.topic(t), loadSchema(t));
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    try {
      await writeScenario(producer, iso.topic);
    } finally {
      await producer.disconnect();
    }
    const config = loadCollectionsServiceConfig({ ...process.env, MONGODB_DATABASE: iso.database, COLLECTIONS_SERVICE_GROUP_ID: iso.groupId, HTTP_PORT: '0', COLLECTIONS_SERVICE_AWAIT_PROGRESS: 'none' });
    const service = createCollectionsService({ config, topicPrefix: iso.prefix });
    await service.start();
    try {
      await waitCaughtUp(kafka, iso.groupId, INPUT_TOPICS.map(iso.topic), 180_000);
    } finally {
      await service.stop();
    }
    actions = (await readTopic<Action>(kafka, codec, iso.topic(TOPIC.collectionActions))).map((m) => m.event).sort((a, b) => (a.eventTime < b.eventTime ? -1 : a.eventTime > b.eventTime ? 1 : 0));
    writtenOff = (await readTopic<{ type: string; payload: { invoiceId: string; amountMinor: number } }>(kafka, codec, iso.topic(TOPIC.invoices))).filter((m) => m.event.type === 'InvoiceWrittenOff');
    deadLetters = (await readTopic<{ payload: { reasonCode: string } }>(kafka, codec, iso.topic('creditstream.collections-service.dlq.v1'))).map((d) => d.event.payload.reasonCode).sort();
  });

  it('the letter ladder over 5 levels with grace, naming the policy version', () => {
    const letters = of(actions, 'CollectionLetterIssued', 'LADDER');
    assert.deepEqual(letters.map((l) => [l.payload.businessDate, l.payload.level, l.payload.feeMinor]), [['2024-02-08', 1, 0], ['2024-02-22', 2, 0], ['2024-03-07', 3, 1000], ['2024-03-21', 4, 2000], ['2024-04-04', 5, 2000]]);
    assert.ok(letters.every((l) => l.payload.policyVersion === 'e2e@1'));
  });

  it('partial payment mid-ladder: the next level on its date, on the remaining amount', () => {
    assert.deepEqual(of(actions, 'CollectionLetterIssued', 'PARTIAL').slice(0, 3).map((l) => [l.payload.businessDate, l.payload.level, l.payload.overdueMinor]), [['2024-02-08', 1, 100_000], ['2024-02-22', 2, 40_000], ['2024-03-07', 3, 40_000]]);
  });

  it('dispute pauses letters and interest, and dunning resumes when it is resolved', () => {
    assert.deepEqual(of(actions, 'CollectionLetterIssued', 'DISPUTE').slice(0, 2).map((l) => [l.payload.businessDate, l.payload.level]), [['2024-02-08', 1], ['2024-03-06', 2]]);
    assert.deepEqual(of(actions, 'InterestNoteIssued', 'DISPUTE')[0]?.payload.lines.map((l) => l.daysCharged), [8]);
  });

  it('promise kept and broken', () => {
    assert.deepEqual(of(actions, 'PromiseKept', 'KEPT').map((p) => p.payload.businessDate), ['2024-02-18']);
    assert.deepEqual(of(actions, 'CollectionLetterIssued', 'KEPT').map((l) => l.payload.level), [1]);
    assert.deepEqual(of(actions, 'PromiseBroken', 'BROKEN').map((p) => [p.payload.businessDate, p.payload.paidMinor]), [['2024-02-24', 30_000]]);
    assert.deepEqual(of(actions, 'CollectionLetterIssued', 'BROKEN').slice(0, 2).map((l) => [l.payload.businessDate, l.payload.level, l.payload.overdueMinor]), [['2024-02-08', 1, 100_000], ['2024-02-24', 2, 70_000]]);
  });

  it('NSF fee and resumed level', () => {
    assert.deepEqual(of(actions, 'CollectionFeeCharged', 'NSF').map((f) => [f.payload.kind, f.payload.amountMinor, f.payload.paymentId]), [['NSF', 2500, 'PN-1']]);
    assert.deepEqual(of(actions, 'CollectionLetterIssued', 'NSF').slice(0, 2).map((l) => [l.payload.businessDate, l.payload.level]), [['2024-02-08', 1], ['2024-02-22', 2]]);
  });

  it('interest tiers and waive', () => {
    const notes = of(actions, 'InterestNoteIssued', 'INTEREST');
    const january = notes.find((n) => n.payload.periodEnd === '2024-01-31');
    assert.deepEqual(january?.payload.lines.map((l) => [l.daysCharged, l.rateBasisPoints]), [[30, 1800], [1, 2400]], 'from day 91 the second tier');
    const waived = of(actions, 'InterestNoteStatusChanged', 'INTEREST');
    assert.deepEqual(waived.map((w) => [w.payload.noteId, w.payload.status]), [['INTEREST:interest:2023-12-31', 'WAIVED']], 'a repeated command id is carried out once');
  });

  it('early start from a prediction and no flapping', () => {
    const starts = of(actions, 'CollectionStarted', 'EARLY');
    assert.deepEqual(starts.map((s) => [s.payload.trigger, s.payload.businessDate, s.payload.episode, s.payload.modelVersion]), [['PREDICTION', '2024-02-06', 1, '7'], ['PREDICTION', '2024-02-13', 2, '7']]);
    assert.deepEqual(starts[0]?.payload.topFactors.map((f) => f.feature), ['share_late_90d']);
  });

  it('write-off four eyes: proposed, one approval recorded, the same approver refused, the second approves and the invoice is written off', () => {
    assert.deepEqual(of(actions, 'WriteOffProposed', 'WRITEOFF').map((p) => [p.payload.businessDate, p.payload.fourEyes]), [['2023-11-28', true]]);
    assert.deepEqual(of(actions, 'WriteOffApprovalRecorded', 'WRITEOFF').map((a) => a.payload.actor), ['alice']);
    assert.deepEqual(of(actions, 'CollectionCommandRefused', 'WRITEOFF').map((r) => r.payload.reasonCode), ['SAME_APPROVER']);
    assert.deepEqual(of(actions, 'WriteOffApproved', 'WRITEOFF').map((a) => a.payload.approvedBy), [['alice', 'bob']]);
    assert.deepEqual(writtenOff.map((w) => [w.event.payload.invoiceId, w.event.payload.amountMinor]), [['W1', 150_000]]);
    assert.equal(of(actions, 'CollectionLetterIssued', 'WRITEOFF').filter((l) => l.payload.businessDate > '2023-11-30').length, 0, 'no letter once written off');
  });

  it('bad input is dead-lettered with its reason and nothing good is lost', () => {
    assert.deepEqual(deadLetters, ['INVALID_COMMAND', 'POLICY_INVALID']);
    assert.ok(of(actions, 'CollectionLetterIssued', 'LADDER').length === 5, 'the pending payment for an unknown invoice stalled nothing');
  });

  it('the CLI: a statement as HTML and PDF; the process simulation of the policy in force reproduces what was issued, a candidate without fees does not', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'collections-cli-'));
    const out: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: () => undefined, now: () => performance.now() };
    const env = { ...process.env, CREDITSTREAM_TOPIC_PREFIX: scenario.prefix, MONGODB_DATABASE: scenario.database };
    const files = await runCollectionsStatement('PARTIAL', { asOf: '2024-02-29', outDir: dir }, io, env);
    const html = readFileSync(files.html, 'utf8');
    assert.match(html, /<td>PARTIAL-1<\/td><td>2024-01-02<\/td><td>2024-02-01<\/td><td>1,000.00<\/td><td>400.00<\/td><td>28<\/td>/);
    assert.match(html, /PARTIAL:letter:2024-02-22:2/);
    assert.equal(readFileSync(files.pdf).subarray(0, 5).toString('latin1'), '%PDF-');
    await assert.rejects(runCollectionsStatement('NOBODY', { asOf: '2024-02-29', outDir: dir }, io, env), /no customer "NOBODY"/);

    const same = join(dir, 'same.json');
    writeFileSync(same, JSON.stringify({ ...DEFAULT_POLICY, policyId: 'e2e', version: '1', effectiveFrom: '2023-01-01' }));
    const replay = await runCollectionsSimulate({ policy: same }, io, env);
    assert.deepEqual(replay.candidate, replay.issued, 'the policy in force, replayed, issues exactly what was issued');
    assert.ok(replay.issued.letters >= 20 && replay.issued.interestNotes >= 5, JSON.stringify(replay.issued));
    const free = join(dir, 'free.json');
    writeFileSync(free, JSON.stringify({ ...DEFAULT_POLICY, policyId: 'free', version: '1', effectiveFrom: '2023-01-01', sequences: DEFAULT_POLICY.sequences.map((s) => ({ ...s, levels: s.levels.map((l) => ({ ...l, feeMinor: 0 })) })), nsf: { feeMinor: 0 } }));
    const candidate = await runCollectionsSimulate({ policy: free, from: '2024-01-01', to: '2024-12-31' }, io, env);
    assert.deepEqual([candidate.candidate.letterFeesMinor, candidate.candidate.nsfFeesMinor, candidate.candidate.letters], [0, 0, candidate.issued.letters]);
    assert.ok(candidate.issued.letterFeesMinor > 0);
    assert.ok(out.some((l) => /^letter fees\s+0\.00\s+[\d.]+\s+-[\d.]+$/.test(l)), out.join('\n'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ policyId: 'x' }));
    await assert.rejects(runCollectionsSimulate({ policy: join(dir, 'bad.json') }, io, env), /policy file .*bad\.json: collection policy is invalid: .*must have required property 'version'/);
  });

  it('SIGKILL at random moments during a replay gives the same actions as an uninterrupted run (same ids, same content)', async function () {
    this.timeout(600_000);
    const iso = isolation('cscrash');
    await simulateInto(iso.prefix, { seed: 31, customers: 400, days: 365 });
    // The simulator writes the company's topics; the service's other inputs (commands, predictions, …) must exist
    // too before their committed offsets can be read.
    await ensureTopics(kafka, INPUT_TOPICS.map((t) => ({ ...topicSpec(t), name: iso.topic(t) })));
    // Checkpoints every 300 ms during the replay too (not every 30 s, as a task catching up does by default): a
    // CI run replayed the whole history before its first checkpoint and was killed only once.
    const env = { ...process.env, MONGODB_DATABASE: iso.database, COLLECTIONS_SERVICE_GROUP_ID: iso.groupId, CREDITSTREAM_TOPIC_PREFIX: iso.prefix, COLLECTIONS_SERVICE_SESSION_TIMEOUT_MS: '6000', COLLECTIONS_SERVICE_COMMIT_INTERVAL_MS: '300', COLLECTIONS_SERVICE_CATCH_UP_COMMIT_INTERVAL_MS: '300', LOG_LEVEL: 'warn', HTTP_PORT: '0', COLLECTIONS_SERVICE_AWAIT_PROGRESS: 'none' };
    let seed = 20241205;
    const nextDelay = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 100 + (seed % 1500);
    };
    const inputs = INPUT_TOPICS.map(iso.topic);
    // Kill at random moments while it replays: after each start, once it has committed progress, a seeded random
    // 0.1 to 1.6 s more, then SIGKILL; until 5 kills or the history is all committed (a fast run can get there
    // before: the first run of this test waited for progress that could not come).
    const end = await endOffsetsTotal(kafka, inputs);
    let kills = 0;
    while (kills < 5) {
      const before = await committedTotal(kafka, iso.groupId, inputs);
      if (before >= end) break;
      const run = spawnService(SERVICE_MAIN, env);
      try {
        await waitFor('progress after a restart', async () => (await committedTotal(kafka, iso.groupId, inputs)) > before, { timeoutMs: 120_000, intervalMs: 100 });
        await new Promise((r) => setTimeout(r, nextDelay()));
      } finally {
        // Also when the wait fails: a service left running would outlive the test run.
        run.child.kill('SIGKILL');
      }
      assert.equal(await run.exited, 'SIGKILL');
      kills += 1;
    }
    assert.ok(kills >= 2, `killed ${kills} times during the replay`);
    const final = spawnService(SERVICE_MAIN, env);
    try {
      await waitCaughtUp(kafka, iso.groupId, inputs, 300_000);
    } finally {
      await final.announced;
      final.child.kill('SIGTERM');
      assert.equal(await final.exited, 0);
    }
    // The uninterrupted run: the same history through the same processor in memory, in the task's order.
    const history: HistoryRecord[] = [];
    for (const [t, kind] of COLLECTIONS_INPUTS) for (const m of await readTopic<HistoryRecord['event']>(kafka, codec, iso.topic(t))) history.push({ kind: kind as InputKind, partition: m.partition, offset: m.offset, event: m.event });
    const expected = new Map<string, string>();
    simulateHistory(history, { onOutput: (o) => void (o.topic === 'actions' && expected.set(o.event.eventId, canonical(o.event))) });
    const produced = new Map<string, string>();
    await scanTopic<Action>(kafka, codec, iso.topic(TOPIC.collectionActions), ({ event }) => {
      const c = canonical(event);
      const first = produced.get(event.eventId);
      if (first !== undefined) assert.equal(c, first, `${event.eventId}: a repeated action is identical`);
      produced.set(event.eventId, c);
    });
    assert.ok(expected.size >= 100, `the history gives ${expected.size} actions`);
    assert.deepEqual([...produced.keys()].sort(), [...expected.keys()].sort(), `after ${kills} SIGKILLs the same action ids`);
    for (const [id, c] of expected) assert.equal(produced.get(id), c, `${id}: same content`);
  });
});
