import assert from 'node:assert/strict';
import type { LoggedAction } from '@creditstream/collections-service';
import { TOPIC } from '@creditstream/schemas';
import type { HandlerContext } from '../src/app';
import { CollectionsDocuments } from '../src/collections-documents';
import type { CommandBus, CommandRecord } from '../src/commands';
import type { CreditDocuments, RuleSetVersion } from '../src/credit-documents';
import { createHandlers } from '../src/handlers';
import { buildSnapshot } from '../src/read-models';
import type { Principal } from '../src/tokens';

const letter = (customerId: string, date: string, level: number): LoggedAction => ({
  _id: `${customerId}:letter:${date}:${level}`,
  customerId,
  type: 'CollectionLetterIssued',
  businessDate: date,
  event: { eventId: `${customerId}:letter:${date}:${level}`, eventTime: `${date}T00:00:00.000Z`, customerId, causationId: null, type: 'CollectionLetterIssued', payload: { letterId: `${customerId}:letter:${date}:${level}`, businessDate: date, sequenceId: 'std', level, invoiceIds: ['A'], maxDaysOverdue: 7 * level, overdueMinor: 1_000, feeMinor: 0, currency: 'EUR', blocksAccount: false, lines: [], note: 'n', policyVersion: 'builtin@1' } },
});
const note = (customerId: string, month: string): LoggedAction => ({
  _id: `${customerId}:interest:${month}`,
  customerId,
  type: 'InterestNoteIssued',
  businessDate: `${month}-28`,
  event: { eventId: `${customerId}:interest:${month}`, eventTime: `${month}-28T00:00:00.000Z`, customerId, causationId: null, type: 'InterestNoteIssued', payload: { noteId: `${customerId}:interest:${month}`, businessDate: `${month}-28`, lines: [], totalInterestMinor: 395, currency: 'EUR', interestCode: 'std', periodEnd: `${month}-28`, policyVersion: 'builtin@1' } },
});
const status = (customerId: string, noteId: string, s: string, date: string, commandId: string): LoggedAction => ({
  _id: `${noteId}:${s.toLowerCase()}:${commandId}`,
  customerId,
  type: 'InterestNoteStatusChanged',
  businessDate: date,
  event: { eventId: `${noteId}:${s.toLowerCase()}:${commandId}`, eventTime: `${date}T00:00:00.000Z`, customerId, causationId: null, type: 'InterestNoteStatusChanged', payload: { noteId, businessDate: date, status: s, amountMinor: 395, currency: 'EUR', commandId, actor: 'ann (collector)', reason: 'goodwill' } },
});

describe('collection letters and interest notes from the actions log', () => {
  it('applies each action once, follows a note through waive and reinstate in the order made, and keeps a change that came before its note', () => {
    const docs = new CollectionsDocuments();
    const n1 = 'c1:interest:2024-02';
    assert.equal(docs.apply([letter('c1', '2024-02-08', 1), note('c1', '2024-02'), status('c1', n1, 'WAIVED', '2024-03-01', 'k1')]), 3);
    assert.equal(docs.apply([letter('c1', '2024-02-08', 1), status('c1', n1, 'WAIVED', '2024-03-01', 'k1')]), 0, 'a replayed chunk changes nothing');
    assert.equal(docs.notes()[0]?.status, 'WAIVED');
    docs.apply([status('c1', n1, 'REINSTATED', '2024-03-01', 'k2')]);
    assert.equal(docs.notes()[0]?.status, 'ISSUED', 'reinstated: in force again');
    assert.deepEqual(docs.notes()[0]?.changes.map((c) => [c.status, c.commandId]), [['WAIVED', 'k1'], ['REINSTATED', 'k2']]);
    docs.apply([status('c2', 'c2:interest:2024-03', 'REVERSED', '2024-04-02', 'k3'), note('c2', '2024-03')]);
    assert.equal(docs.notes().find((n) => n.customerId === 'c2')?.status, 'REVERSED');
    docs.apply([letter('c2', '2024-02-08', 1), letter('c1', '2024-02-22', 2)]);
    assert.deepEqual(docs.letters().map((l) => `${l.businessDate}/${l.customerId}/${l.level}`), ['2024-02-22/c1/2', '2024-02-08/c1/1', '2024-02-08/c2/1'], 'latest first, then by customer');
  });
});

/** Handlers over a snapshot and fakes of the command bus and the credit documents. */
function harness() {
  const docs = new CollectionsDocuments();
  const actions: LoggedAction[] = [];
  for (const c of ['c1', 'c2', 'c3']) for (const [d, level] of [['2024-02-08', 1], ['2024-02-22', 2], ['2024-03-07', 3]] as const) actions.push(letter(c, d, level));
  actions.push(note('c1', '2024-02'), note('c2', '2024-02'), note('c1', '2024-03'), status('c2', 'c2:interest:2024-02', 'WAIVED', '2024-03-02', 'k1'));
  docs.apply(actions);
  const snapshot = buildSnapshot([], new Map(), new Map(), 0, [], [], { letters: docs.letters(), interestNotes: docs.notes() });
  const sent: { topic: string; type: string; customerId: string; fields: Record<string, unknown> }[] = [];
  const record = (topic: string, type: string, customerId: string): CommandRecord => ({ _id: 'id', commandId: 'id', type, topic, customerId, actor: 'a', payload: {}, status: 'accepted', acceptedAt: '', outcome: null });
  const commands = { dispatch: async (_p: Principal, topic: string, type: string, customerId: string, fields: Record<string, unknown>) => (sent.push({ topic, type, customerId, fields }), record(topic, type, customerId)) } as unknown as CommandBus;
  const versions: RuleSetVersion[] = [
    { version: '2024.1', sha256: 'a', effectiveAt: '2024-01-01T00:00:00.000Z', publishedBy: 'x', ruleCount: 3, partitions: [0, 1] },
    { version: '2024.3', sha256: 'c', effectiveAt: '2024-03-01T00:00:00.000Z', publishedBy: 'x', ruleCount: 5, partitions: [0, 1] },
    { version: '2024.2', sha256: 'b', effectiveAt: '2024-02-01T00:00:00.000Z', publishedBy: 'x', ruleCount: 4, partitions: [0, 1] },
  ];
  const credit = {
    listRuleSets: async () => [...versions].sort((a, b) => (a.effectiveAt < b.effectiveAt ? 1 : -1)),
    ruleSet: async (v: string) => versions.find((x) => x.version === v) ?? null,
    whatIfReport: async () => null,
  } as unknown as CreditDocuments;
  const handlers = createHandlers({ snapshot: () => snapshot, commands: () => commands, credit: () => credit, pageLimit: 50, statements: async () => [], registry: () => { throw new Error('unused'); }, publishModel: async () => { throw new Error('unused'); } });
  const call = async (op: string, parts: Partial<HandlerContext> = {}) => (await (handlers[op] as (ctx: HandlerContext) => Promise<{ status: number; body: unknown }>)({ principal: { tokenId: 't', name: 'ann', role: 'collector' }, path: {}, query: {}, body: {}, ...parts }));
  return { call, sent };
}

interface Page {
  items: Record<string, unknown>[];
  nextCursor: string | null;
  total: number;
}

describe('collections and credit routes (handlers)', () => {
  it('lists letters company-wide or per customer and level, latest first, page by page without repeats', async () => {
    const { call } = harness();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await call('listCollectionLetters', { query: { limit: 2, ...(cursor ? { cursor } : {}) } })).body as Page;
      assert.equal(page.total, 9);
      seen.push(...page.items.map((l) => `${String(l.businessDate)}/${String(l.customerId)}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    assert.deepEqual(seen, ['2024-03-07/c1', '2024-03-07/c2', '2024-03-07/c3', '2024-02-22/c1', '2024-02-22/c2', '2024-02-22/c3', '2024-02-08/c1', '2024-02-08/c2', '2024-02-08/c3']);
    const c2 = (await call('listCollectionLetters', { query: { customerId: 'c2', level: 2 } })).body as Page;
    assert.deepEqual(c2.items.map((l) => [l.customerId, l.level]), [['c2', 2]]);
  });

  it('lists interest notes with their status, filtered by customer and status', async () => {
    const { call } = harness();
    const all = (await call('listInterestNotes')).body as Page;
    assert.deepEqual(all.items.map((n) => [n.noteId, n.status]), [['c1:interest:2024-03', 'ISSUED'], ['c1:interest:2024-02', 'ISSUED'], ['c2:interest:2024-02', 'WAIVED']]);
    const waived = (await call('listInterestNotes', { query: { status: 'WAIVED' } })).body as Page;
    assert.deepEqual(waived.items.map((n) => n.noteId), ['c2:interest:2024-02']);
    const c1 = (await call('listInterestNotes', { query: { customerId: 'c1' } })).body as Page;
    assert.equal(c1.total, 2);
  });

  it('opens and resolves disputes as commands to the collections command topic, the dispute id from the path', async () => {
    const { call, sent } = harness();
    const opened = await call('openDispute', { path: { customerId: 'c1' }, body: { invoiceId: 'A', amountMinor: 500, currency: 'EUR', reason: 'quantity' } });
    assert.equal(opened.status, 202);
    const resolved = await call('resolveDispute', { path: { customerId: 'c1', disputeId: 'c1:dispute:x' }, body: { invoiceId: 'A', outcome: 'WITHDRAWN', creditedMinor: 0, currency: 'EUR', reason: 'customer withdrew' } });
    assert.equal(resolved.status, 202);
    assert.deepEqual(sent, [
      { topic: TOPIC.collectionCommands, type: 'OpenDispute', customerId: 'c1', fields: { invoiceId: 'A', amountMinor: 500, currency: 'EUR', reason: 'quantity' } },
      { topic: TOPIC.collectionCommands, type: 'ResolveDispute', customerId: 'c1', fields: { invoiceId: 'A', disputeId: 'c1:dispute:x', outcome: 'WITHDRAWN', creditedMinor: 0, currency: 'EUR', reason: 'customer withdrew' } },
    ]);
  });

  it('lists credit rule set versions latest effective first with cursors, one version by name, and 404 for an unknown one or report', async () => {
    const { call } = harness();
    const first = (await call('listCreditRuleSets', { query: { limit: 2 } })).body as Page;
    assert.deepEqual(first.items.map((r) => r.version), ['2024.3', '2024.2']);
    const rest = (await call('listCreditRuleSets', { query: { limit: 2, cursor: first.nextCursor } })).body as Page;
    assert.deepEqual(rest.items.map((r) => r.version), ['2024.1']);
    assert.equal(rest.nextCursor, null);
    assert.equal(((await call('getCreditRuleSet', { path: { ruleSetVersion: '2024.2' } })).body as RuleSetVersion).ruleCount, 4);
    await assert.rejects(call('getCreditRuleSet', { path: { ruleSetVersion: '9' } }), (err: { problem?: string; message: string }) => err.problem === 'NOT_FOUND' && /9/.test(err.message));
    await assert.rejects(call('getWhatIfReport', { path: { reportId: 'r' } }), (err: { problem?: string }) => err.problem === 'NOT_FOUND');
  });
});
