import assert from 'node:assert/strict';
import { createMetrics } from '@creditstream/metrics';
import { KeyValueStore, PartitionClock, type ProcessorContext, type TaskRecord } from '@creditstream/streams';
import type { CreditGroupCommandRefused, CreditGroupLimitAdjustmentRequested, CreditGroupLimitSet, CreditGroupMemberExposure, CreditGroupMembershipChanged, CreditGroupPosition, CreditHoldReleased } from '@creditstream/schemas';
import { compareOutcomes, createCreditMetrics, GroupProcessor, outcomesOf, replayPartition, compileRuleSet, DEFAULT_RULE_SET_DOCUMENT, type CreditGroupStateView, type CreditProcessor, type CustomerCredit, type GroupInput, type GroupValue, type ReplayRecord } from '../src';
import { decisions, fakeContext, outputs, processor, Records, TOPICS, type Forwarded } from './support';

const GROUP_TOPICS = { groups: 'groups', exposure: TOPICS.groupExposure, commands: 'group-commands', positions: TOPICS.groupPositions };
const T = (day: string, hour = 10) => `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;

function groupProcessor(approvalThresholdMinor = 1_000_000): GroupProcessor {
  return new GroupProcessor({ partition: 0, topics: GROUP_TOPICS, approvalThresholdMinor, metrics: createCreditMetrics(createMetrics({ service: 'test' }).registry, () => ({ rule: 0, forced: 0, fraud_review: 0 })) });
}

function groupContext() {
  const forwarded: Forwarded[] = [];
  const ctx: ProcessorContext<GroupValue> = {
    partition: 0,
    store: new KeyValueStore<GroupValue>(),
    clock: new PartitionClock(),
    forward: (topic, key, event) => void forwarded.push({ topic, key, event: event as Forwarded['event'] }),
    log: () => undefined,
    defer: (work) => {
      while (work(ctx));
    },
  };
  return { ctx, forwarded };
}

let offset = 0;
/** A forwarded (or hand-made) event as the record a task would consume from `topic`. */
function record<E>(topic: string, event: object): TaskRecord<E> {
  const e = event as { eventTime: string; customerId: string };
  const o = offset++;
  return { topic, partition: 0, offset: o, key: e.customerId, time: Date.parse(e.eventTime), event: event as E, message: { topic, partition: 0, offset: o, key: null, value: null, headers: {}, timestamp: String(Date.now()), event: event as E }, failure: null };
}

const groupEvent = (type: string, groupId: string, time: string, payload: object, eventId = `${type}-${offset}`) => ({ eventId, eventTime: time, customerId: groupId, causationId: null, type, payload });
const exposure = (groupId: string, memberId: string, sequence: number, balanceMinor: number, openOrdersMinor = 0, member = true, time = T('2024-01-05')) =>
  record<GroupInput>(GROUP_TOPICS.exposure, groupEvent('CreditGroupMemberExposure', groupId, time, { memberId, member, sequence, currency: 'EUR', balanceMinor, openOrdersMinor, originEventId: `origin-${memberId}-${sequence}`, originType: 'PaymentReceived' }, `${memberId}:group-exposure:${sequence}`));
const groupLimit = (groupId: string, amountMinor: number, extra: Partial<CreditGroupLimitSet> = {}, time = T('2024-01-02')) =>
  record<GroupInput>(GROUP_TOPICS.groups, groupEvent('CreditGroupLimitSet', groupId, time, { limitType: 'BALANCE', amountMinor, currency: 'EUR', unlimited: false, temporary: false, expiresOn: null, reason: 'master data', ...extra }));
const groupCommand = (groupId: string, type: string, payload: object, time = T('2024-01-10')) => record<GroupInput>(GROUP_TOPICS.commands, groupEvent(type, groupId, time, payload));
const adjust = (commandId: string, actor: string, adjustmentId: string, change: { newLimitMinor?: number; changeMinor?: number; changePercent?: number }, extra: object = {}) => ({
  commandId,
  actor,
  adjustmentId,
  newLimitMinor: change.newLimitMinor ?? null,
  changeMinor: change.changeMinor ?? null,
  changePercent: change.changePercent ?? null,
  currency: 'EUR',
  limitType: null,
  temporary: false,
  expiresOn: null,
  reason: 'group review',
  ...extra,
});

const positions = (forwarded: Forwarded[]) => forwarded.filter((f) => f.topic === GROUP_TOPICS.positions).map((f) => ({ key: f.key, eventId: f.event.eventId, payload: f.event.payload as unknown as CreditGroupPosition }));
const onGroups = <P>(forwarded: Forwarded[], type: string) => forwarded.filter((f) => f.topic === GROUP_TOPICS.groups && f.event.type === type).map((f) => ({ eventId: f.event.eventId, payload: f.event.payload as unknown as P }));

describe('credit groups: the group tasks (against an in-memory task context)', () => {
  it('sums the members across partitions and sends each the others\' exposure; an old or repeated exposure changes nothing', () => {
    const g = groupProcessor();
    const { ctx, forwarded } = groupContext();
    g.process(groupLimit('G1', 10_000), ctx);
    assert.deepEqual(positions(forwarded), [], 'no members yet: nobody to tell');
    g.process(exposure('G1', 'A', 1, 8_000, 1_000), ctx);
    assert.deepEqual(positions(forwarded).map((p) => [p.key, p.payload.othersBalanceMinor, p.payload.members]), [['A', 0, 1]], 'a newcomer hears the group at once');
    g.process(exposure('G1', 'B', 1, 500, 200), ctx);
    const [toA, ...rest] = positions(forwarded).slice(1);
    assert.equal(rest.length, 1, 'B joined: A hears of it, and B hears the group');
    assert.deepEqual([toA?.key, toA?.payload.othersBalanceMinor, toA?.payload.othersOpenOrdersMinor, toA?.payload.members], ['A', 500, 200, 2]);
    assert.deepEqual([rest[0]?.key, rest[0]?.payload.othersBalanceMinor, rest[0]?.payload.othersOpenOrdersMinor], ['B', 8_000, 1_000]);
    assert.deepEqual(toA?.payload.permanentLimit, { limitType: 'BALANCE', amountMinor: 10_000, expiresOn: null });
    assert.equal(toA?.payload.originEventId, 'origin-B-1');
    assert.equal(toA?.payload.originCustomerId, 'B');

    // A pays: only B hears (A's own change does not change what the group looks like to A).
    const before = forwarded.length;
    g.process(exposure('G1', 'A', 2, 2_000, 1_000), ctx);
    assert.deepEqual(positions(forwarded.slice(before)).map((p) => [p.key, p.payload.othersBalanceMinor, p.payload.originEventId]), [['B', 2_000, 'origin-A-2']]);
    // The same record again, and an older one, are ignored.
    const again = forwarded.length;
    g.process(exposure('G1', 'A', 2, 2_000, 1_000), ctx);
    g.process(exposure('G1', 'A', 1, 8_000, 1_000), ctx);
    assert.equal(forwarded.length, again);
    const view = g.view('G1', ctx.store.get('G1') as GroupValue) as CreditGroupStateView;
    assert.deepEqual([view.balanceMinor, view.openOrdersMinor, view.members.map((m) => m.customerId)], [2_500, 1_200, ['A', 'B']]);

    // A leaves: B hears the group without A.
    g.process(exposure('G1', 'A', 3, 2_000, 1_000, false), ctx);
    const last = positions(forwarded).at(-1);
    assert.deepEqual([last?.key, last?.payload.othersBalanceMinor, last?.payload.members], ['B', 0, 1]);
    // Sequences grow per group, and position ids are deterministic.
    assert.deepEqual(positions(forwarded).map((p) => p.payload.sequence), [1, 2, 2, 3, 4]);
    assert.equal(last?.eventId, 'G1:position:4:B');
  });

  it('a member in another currency than the group limit is not counted in the others\' sums', () => {
    const g = groupProcessor();
    const { ctx, forwarded } = groupContext();
    g.process(groupLimit('G2', 10_000), ctx);
    g.process(exposure('G2', 'A', 1, 8_000), ctx);
    g.process(record<GroupInput>(GROUP_TOPICS.exposure, groupEvent('CreditGroupMemberExposure', 'G2', T('2024-01-05'), { memberId: 'U', member: true, sequence: 1, currency: 'USD', balanceMinor: 99_000, openOrdersMinor: 0, originEventId: 'u1', originType: 'InvoiceIssued' })), ctx);
    const toA = positions(forwarded).filter((p) => p.key === 'A').at(-1);
    assert.equal(toA?.payload.othersBalanceMinor, 0);
    assert.equal(toA?.payload.members, 2);
  });

  it('four eyes on group limits: above the threshold a request waits, its requester cannot approve it, another person can; the approval is a CreditGroupLimitSet', () => {
    const g = groupProcessor(5_000);
    const { ctx, forwarded } = groupContext();
    g.process(groupLimit('G3', 10_000), ctx);
    g.process(exposure('G3', 'A', 1, 8_000), ctx);
    // A small change is carried out at once.
    g.process(groupCommand('G3', 'RequestCreditGroupLimitAdjustment', adjust('c1', 'ann', 'ADJ-1', { changeMinor: 2_000 })), ctx);
    const [small] = onGroups<CreditGroupLimitSet>(forwarded, 'CreditGroupLimitSet');
    assert.equal(small?.eventId, 'c1:group-limit-set');
    assert.deepEqual([small?.payload.amountMinor, small?.payload.reason], [12_000, 'group review (adjustment ADJ-1 by ann)']);
    // It comes back on the groups topic and is applied then: the members hear the new limit.
    g.process(record<GroupInput>(GROUP_TOPICS.groups, forwarded.find((f) => f.event.eventId === 'c1:group-limit-set')?.event as object), ctx);
    assert.equal(positions(forwarded).at(-1)?.payload.permanentLimit?.amountMinor, 12_000);

    g.process(groupCommand('G3', 'RequestCreditGroupLimitAdjustment', adjust('c2', 'ann', 'ADJ-2', { changePercent: 50 })), ctx);
    const [requested] = onGroups<CreditGroupLimitAdjustmentRequested>(forwarded, 'CreditGroupLimitAdjustmentRequested');
    assert.deepEqual([requested?.payload.previousLimitMinor, requested?.payload.newLimitMinor, requested?.payload.requestedBy], [12_000, 18_000, 'ann']);
    g.process(groupCommand('G3', 'ApproveCreditGroupLimitAdjustment', { commandId: 'c3', actor: 'ann', adjustmentId: 'ADJ-2' }), ctx);
    const [refused] = onGroups<CreditGroupCommandRefused>(forwarded, 'CreditGroupCommandRefused');
    assert.deepEqual([refused?.eventId, refused?.payload.reasonCode, refused?.payload.commandType], ['c3:refused', 'SAME_APPROVER', 'ApproveCreditGroupLimitAdjustment']);
    assert.equal(onGroups(forwarded, 'CreditGroupLimitSet').length, 1, 'not approved');
    const approve = groupCommand('G3', 'ApproveCreditGroupLimitAdjustment', { commandId: 'c4', actor: 'bob', adjustmentId: 'ADJ-2' });
    g.process(approve, ctx);
    const approved = onGroups<CreditGroupLimitSet>(forwarded, 'CreditGroupLimitSet')[1];
    assert.deepEqual([approved?.eventId, approved?.payload.amountMinor, approved?.payload.reason], ['c4:group-limit-set', 18_000, 'group review (adjustment ADJ-2 requested by ann, approved by bob)']);
    // The same command again is carried out once; a second approval finds nothing pending.
    const count = forwarded.length;
    g.process({ ...approve, offset: approve.offset }, ctx);
    assert.equal(forwarded.length, count);
    g.process(groupCommand('G3', 'ApproveCreditGroupLimitAdjustment', { commandId: 'c5', actor: 'cy', adjustmentId: 'ADJ-2' }), ctx);
    assert.equal(onGroups<CreditGroupCommandRefused>(forwarded, 'CreditGroupCommandRefused')[1]?.payload.reasonCode, 'ADJUSTMENT_NOT_FOUND');
  });

  it('refuses bad group commands with a reason, and dead-letters what it cannot read', () => {
    const g = groupProcessor();
    const { ctx, forwarded } = groupContext();
    g.process(groupLimit('G4', 10_000), ctx);
    g.process(groupCommand('G4', 'RequestCreditGroupLimitAdjustment', adjust('d1', 'ann', 'A1', { newLimitMinor: 5, changeMinor: 5 })), ctx);
    g.process(groupCommand('G4', 'RequestCreditGroupLimitAdjustment', adjust('d2', 'ann', 'A2', { changeMinor: 5 }, { currency: 'USD' })), ctx);
    g.process(groupCommand('G4', 'RequestCreditGroupLimitAdjustment', adjust('d3', 'ann', 'A3', { changeMinor: 5 }, { temporary: true })), ctx);
    assert.deepEqual(onGroups<CreditGroupCommandRefused>(forwarded, 'CreditGroupCommandRefused').map((r) => r.payload.reasonCode), ['INVALID_ADJUSTMENT', 'CURRENCY_MISMATCH', 'INVALID_ADJUSTMENT']);
    assert.deepEqual(g.process(groupCommand('G4', 'ApproveCreditGroupLimitAdjustment', { commandId: '', actor: 'ann', adjustmentId: 'A1' }), ctx), { code: 'INVALID_COMMAND', message: 'ApproveCreditGroupLimitAdjustment needs a non-empty commandId and actor, got {"commandId":"","actor":"ann"}' });
    assert.equal(g.process(groupLimit('G4', -1), ctx)?.code, 'INVALID_EVENT');
    assert.equal(g.process(groupLimit('G4', 100, { currency: 'USD', temporary: true, expiresOn: '2024-02-01' }), ctx)?.code, 'CURRENCY_MISMATCH');
    assert.equal(g.process(exposure('G4', 'A', 0, 1), ctx)?.code, 'INVALID_EVENT');
  });
});

/**
 * Two credit tasks (partitions 0 and 1) and a group task wired together in memory, the records routed as the
 * topics would route them: the customer tasks' exposures to the group task, its positions to the member's task, its
 * limit changes back to itself.
 */
class GroupedCustomers {
  readonly credit: { p: CreditProcessor; ctx: ProcessorContext<never>; forwarded: Forwarded[] }[];
  readonly group: { p: GroupProcessor; ctx: ProcessorContext<GroupValue>; forwarded: Forwarded[] };
  private readonly partitionOf: Record<string, number>;
  private readonly seen: number[] = [0, 0];
  private groupSeen = 0;

  constructor(partitionOf: Record<string, number>, approvalThresholdMinor = 1_000_000) {
    this.partitionOf = partitionOf;
    this.group = { p: groupProcessor(approvalThresholdMinor), ...groupContext() };
    this.credit = [0, 1].map(() => {
      const { ctx, forwarded } = fakeContext();
      return { p: processor({ fraud: { mode: 'off' }, approvalThresholdMinor }), ctx: ctx as ProcessorContext<never>, forwarded };
    });
  }

  /** Processes a record in its customer's task, then routes everything produced until nothing is left. */
  send(rec: TaskRecord<never>): void {
    const customerId = (rec.event as { customerId: string }).customerId;
    const task = this.credit[this.partitionOf[customerId] as number];
    assert.equal(task?.p.process(rec, task.ctx), undefined);
    this.pump();
  }

  sendGroup(rec: TaskRecord<GroupInput>): void {
    assert.equal(this.group.p.process(rec, this.group.ctx), undefined);
    this.pump();
  }

  private pump(): void {
    for (let moved = true; moved; ) {
      moved = false;
      for (const i of [0, 1]) {
        const task = this.credit[i];
        for (; task !== undefined && (this.seen[i] as number) < task.forwarded.length; this.seen[i] = (this.seen[i] as number) + 1) {
          const f = task.forwarded[this.seen[i] as number] as Forwarded;
          if (f.topic !== TOPICS.groupExposure) continue;
          assert.equal(this.group.p.process(record<GroupInput>(GROUP_TOPICS.exposure, f.event), this.group.ctx), undefined);
          moved = true;
        }
      }
      for (; this.groupSeen < this.group.forwarded.length; this.groupSeen += 1) {
        const f = this.group.forwarded[this.groupSeen] as Forwarded;
        if (f.topic === GROUP_TOPICS.positions) {
          const task = this.credit[this.partitionOf[f.key] as number];
          assert.equal(task?.p.process(record<never>(TOPICS.groupPositions, f.event), task.ctx), undefined);
        } else if (f.event.type === 'CreditGroupLimitSet') assert.equal(this.group.p.process(record<GroupInput>(GROUP_TOPICS.groups, f.event), this.group.ctx), undefined);
        moved = true;
      }
    }
  }

  forwarded(customerId: string): Forwarded[] {
    return (this.credit[this.partitionOf[customerId] as number] as { forwarded: Forwarded[] }).forwarded.filter((f) => f.key === customerId);
  }

  value(customerId: string): CustomerCredit {
    const task = this.credit[this.partitionOf[customerId] as number] as { ctx: ProcessorContext<CustomerCredit> };
    return task.ctx.store.get(customerId) as CustomerCredit;
  }
}

describe('credit groups: members in different partitions (credit tasks and a group task in memory)', () => {
  const join = (r: Records, customerId: string, groupId: string | null, commandId = `join-${customerId}`) => r.command('SetCreditGroup', { commandId, actor: 'ann', creditGroupId: groupId, reason: 'corporate family' }, T('2024-01-02', 12), customerId);

  it('the group limit is checked before the customer\'s; a payment of another member releases the hold, naming that payment', () => {
    const w = new GroupedCustomers({ A: 0, B: 1 });
    const r = new Records();
    for (const c of ['A', 'B']) {
      w.send(r.registered(c) as TaskRecord<never>);
      w.send(r.limit(9_000, { customerId: c }) as TaskRecord<never>);
      w.send(join(r, c, 'FAMILY') as TaskRecord<never>);
    }
    const [joined] = outputs<CreditGroupMembershipChanged>(w.forwarded('A'), 'CreditGroupMembershipChanged');
    assert.deepEqual({ ...joined?.payload }, { commandId: 'join-A', actor: 'ann', creditGroupId: 'FAMILY', previousCreditGroupId: null, reason: 'corporate family' });
    w.sendGroup(groupLimit('FAMILY', 10_000));
    w.send(r.invoice('IA', 8_000, '2024-01-03', '2024-02-02', 'A') as TaskRecord<never>);
    w.send(r.order('SA', 1_000, T('2024-01-04', 9), 'A') as TaskRecord<never>);
    // B: its own limit allows 5,000 (0 + 5,000 ≤ 9,000), the group's does not (8,000 of A + 5,000 > 10,000).
    w.send(r.order('SB', 5_000, T('2024-01-04'), 'B') as TaskRecord<never>);
    const [a] = decisions(w.forwarded('A'));
    const [b] = decisions(w.forwarded('B'));
    assert.equal(a?.payload.decision, 'APPROVED');
    assert.equal(b?.payload.decision, 'HELD');
    assert.deepEqual(b?.payload.rulesFired.map((f) => [f.ruleId, f.ruleType]), [['group-credit-limit', 'group-limit-exceeded']]);
    const inputs = b?.payload.rulesFired[0]?.inputs ?? {};
    assert.deepEqual([inputs.creditGroupId, inputs.groupLimitMinor, inputs.groupExposureMinor, inputs.othersBalanceMinor, inputs.groupMembers], ['FAMILY', '10000', '13000', '8000', '2']);
    assert.match(b?.payload.rulesFired[0]?.message ?? '', /credit group FAMILY: group exposure 13000 exceeds the group credit limit 10000/);
    const view = w.credit[1]?.p.view('B', w.value('B'));
    assert.deepEqual(view?.holds.map((h) => [h.orderId, h.reasons.join(), h.creditGroupId]), [['SB', 'group-limit-exceeded', 'FAMILY']]);
    assert.deepEqual([view?.creditGroup?.creditGroupId, view?.creditGroup?.limit?.amountMinor, view?.creditGroup?.othersBalanceMinor, view?.creditGroup?.members], ['FAMILY', 10_000, 8_000, 2]);

    // Both limits exceeded: the group's reason comes first.
    w.send(r.order('SB2', 9_500, T('2024-01-04', 11), 'B') as TaskRecord<never>);
    assert.deepEqual(decisions(w.forwarded('B'))[1]?.payload.rulesFired.map((f) => f.ruleType), ['group-limit-exceeded', 'credit-limit-exceeded']);
    w.send(r.command('RejectCreditHold', { commandId: 'rej-SB2', actor: 'ann', orderId: 'SB2', reason: 'too big' }, T('2024-01-04', 12), 'B') as TaskRecord<never>);

    // A pays 6,000: A's task sends its new exposure, the group tells B, B's hold is released naming A's payment.
    const pay = r.payment('PA', 'IA', 6_000, '2024-01-06', 'A');
    w.send(pay as TaskRecord<never>);
    const [released] = outputs<CreditHoldReleased>(w.forwarded('B'), 'CreditHoldReleased').filter((e) => e.payload.orderId === 'SB');
    assert.ok(released, 'the group hold of B is released');
    assert.equal(released.payload.clearedBy, pay.event.eventId);
    assert.equal(released.causationId, pay.event.eventId);
    assert.equal(released.payload.automatic, true);
    assert.match(released.payload.reason, new RegExp(`after PaymentReceived ${pay.event.eventId} of member A of credit group FAMILY`));
    // The exposures A sent carry a per-customer sequence and A's payment as their origin.
    const sent = w.credit[0]?.forwarded.filter((f) => f.topic === TOPICS.groupExposure).map((f) => [f.key, f.event.eventId, (f.event.payload as unknown as CreditGroupMemberExposure).originType]);
    assert.deepEqual(sent, [['FAMILY', 'A:group-exposure:1', 'SetCreditGroup'], ['FAMILY', 'A:group-exposure:2', 'InvoiceIssued'], ['FAMILY', 'A:group-exposure:3', 'OrderPlaced'], ['FAMILY', 'A:group-exposure:4', 'PaymentReceived']]);
  });

  it('a group limit raised with four eyes releases the holds it no longer justifies; leaving the group clears a group hold too', () => {
    const w = new GroupedCustomers({ A: 0, B: 1, C: 1 }, 3_000);
    const r = new Records();
    for (const c of ['A', 'B', 'C']) {
      w.send(r.registered(c) as TaskRecord<never>);
      w.send(join(r, c, 'FAM') as TaskRecord<never>);
    }
    w.sendGroup(groupLimit('FAM', 10_000));
    w.send(r.invoice('IA', 9_000, '2024-01-03', '2024-02-02', 'A') as TaskRecord<never>);
    w.send(r.order('SB', 4_000, T('2024-01-04'), 'B') as TaskRecord<never>);
    w.send(r.order('SC', 3_000, T('2024-01-04', 11), 'C') as TaskRecord<never>);
    assert.equal(decisions(w.forwarded('B'))[0]?.payload.decision, 'HELD');
    assert.equal(decisions(w.forwarded('C'))[0]?.payload.decision, 'HELD');

    w.sendGroup(groupCommand('FAM', 'RequestCreditGroupLimitAdjustment', adjust('g1', 'ann', 'ADJ', { changeMinor: 3_500 })));
    w.sendGroup(groupCommand('FAM', 'ApproveCreditGroupLimitAdjustment', { commandId: 'g2', actor: 'ann', adjustmentId: 'ADJ' }));
    assert.equal(outputs<CreditHoldReleased>(w.forwarded('B'), 'CreditHoldReleased').length, 0, 'the requester cannot approve');
    w.sendGroup(groupCommand('FAM', 'ApproveCreditGroupLimitAdjustment', { commandId: 'g3', actor: 'bob', adjustmentId: 'ADJ' }));
    // 13,500: B's 9,000 + 4,000 fits, C's 9,000 + 3,000 fits (BALANCE: each order on top of the balances).
    const [releasedB] = outputs<CreditHoldReleased>(w.forwarded('B'), 'CreditHoldReleased');
    assert.equal(releasedB?.payload.clearedBy, 'g3:group-limit-set');
    assert.match(releasedB?.payload.reason ?? '', /after CreditGroupLimitSet g3:group-limit-set \(credit group FAM\)/);
    assert.equal(outputs(w.forwarded('C'), 'CreditHoldReleased').length, 1);

    // With the group limit cut to 0, B leaving the group is what releases its new order.
    w.sendGroup(groupLimit('FAM', 0, {}, T('2024-01-05')));
    w.send(r.order('SB3', 100, T('2024-01-06'), 'B') as TaskRecord<never>);
    assert.equal(decisions(w.forwarded('B'))[1]?.payload.decision, 'HELD');
    const leave = r.command('SetCreditGroup', { commandId: 'leave-B', actor: 'ann', creditGroupId: null, reason: 'sold' }, T('2024-01-06', 12), 'B');
    w.send(leave as TaskRecord<never>);
    const released = outputs<CreditHoldReleased>(w.forwarded('B'), 'CreditHoldReleased').find((e) => e.payload.orderId === 'SB3');
    assert.equal(released?.payload.clearedBy, leave.event.eventId, 'leaving the group clears its group hold');
    assert.equal(outputs<CreditGroupMembershipChanged>(w.forwarded('B'), 'CreditGroupMembershipChanged').at(-1)?.payload.previousCreditGroupId, 'FAM');
    const left = w.group.p.view('FAM', w.group.ctx.store.get('FAM') as GroupValue);
    assert.deepEqual(left?.members.map((m) => m.customerId), ['A', 'C']);
    // Joining the group it is in is refused, with a reason.
    w.send(join(r, 'A', 'FAM', 'join-again') as TaskRecord<never>);
    assert.deepEqual(outputs<{ reasonCode: string }>(w.forwarded('A'), 'CreditCommandRefused').map((e) => e.payload.reasonCode), ['ALREADY_IN_GROUP']);
  });

  it('a position of a group the customer left, or an older one, is not applied', () => {
    const p = processor({ fraud: { mode: 'off' } });
    const { ctx, forwarded } = fakeContext();
    const r = new Records();
    p.process(r.registered(), ctx);
    p.process(join(r, 'c1', 'G'), ctx);
    const position = (sequence: number, othersBalanceMinor: number, groupId = 'G') => record<never>(TOPICS.groupPositions, { eventId: `${groupId}:position:${sequence}:c1`, eventTime: T('2024-01-03'), customerId: 'c1', causationId: null, type: 'CreditGroupPosition', payload: { creditGroupId: groupId, sequence, currency: 'EUR', permanentLimit: { limitType: 'BALANCE', amountMinor: 1_000, expiresOn: null }, temporaryLimit: null, members: 2, othersBalanceMinor, othersOpenOrdersMinor: 0, originEventId: `o${sequence}`, originType: 'InvoiceIssued', originCustomerId: 'c2' } });
    p.process(position(5, 900), ctx);
    p.process(position(4, 0), ctx);
    p.process(position(9, 0, 'OTHER'), ctx);
    assert.equal((ctx.store.get('c1') as CustomerCredit).creditGroup?.position?.othersBalanceMinor, 900);
    p.process(r.order('SO1', 200, T('2024-01-04')), ctx);
    assert.deepEqual(decisions(forwarded)[0]?.payload.rulesFired.map((f) => [f.ruleType, f.inputs.groupExposureMinor]), [['group-limit-exceeded', '1100']]);
    const bad = position(6, 0);
    assert.equal(p.process({ ...bad, event: { ...(bad.event as object), payload: { creditGroupId: 'G', sequence: 'x' } } as never }, ctx)?.code, 'INVALID_EVENT');
  });
});

describe('credit groups: the what-if replay', () => {
  it('replays the group positions recorded, in business-time order, so a candidate sees the group limit too', () => {
    const r = new Records();
    const inputs = [TOPICS.customers, TOPICS.invoices, TOPICS.payments, TOPICS.outlooks, TOPICS.rules, TOPICS.orders, TOPICS.fraudChecks, TOPICS.commands, TOPICS.groupPositions, TOPICS.clock];
    const pos = (sequence: number, time: string, othersBalanceMinor: number) => r.record(TOPICS.groupPositions, 'CreditGroupPosition', time, { creditGroupId: 'G', sequence, currency: 'EUR', permanentLimit: { limitType: 'BALANCE', amountMinor: 10_000, expiresOn: null }, temporaryLimit: null, members: 2, othersBalanceMinor, othersOpenOrdersMinor: 0, originEventId: `other-${sequence}`, originType: 'PaymentReceived', originCustomerId: 'c2' });
    const recs = [r.registered(), r.command('SetCreditGroup', { commandId: 'j', actor: 'ann', creditGroupId: 'G', reason: 'family' }, T('2024-01-02', 12)), pos(1, T('2024-01-02', 13), 8_000), r.order('SO1', 5_000, T('2024-01-04')), pos(2, T('2024-01-06'), 1_000)];
    const history: ReplayRecord[] = recs.reverse().map((x) => ({ topic: x.topic, partition: 0, offset: x.offset, event: x.event }));
    const options = (rules: object) => ({ inputs, topics: TOPICS, ruleSet: compileRuleSet(rules), fraud: { mode: 'off' as const, marginMs: 60_000, maxDays: 3 }, approvalThresholdMinor: 1_000_000 });
    const actual = outcomesOf(replayPartition(0, history, options(DEFAULT_RULE_SET_DOCUMENT)));
    assert.deepEqual([...actual.values()].map((o) => [o.orderId, o.decision, o.rules.join(), o.holdEndedAt]), [['SO1', 'HELD', 'group-credit-limit', T('2024-01-06')]]);
    const withoutGroups = outcomesOf(replayPartition(0, history, options({ version: 'no-groups', rules: [{ id: 'credit-limit', type: 'credit-limit-exceeded' }] })));
    const report = compareOutcomes(actual, withoutGroups, { end: T('2024-01-31') });
    assert.deepEqual(report.rules, [{ ruleId: 'group-credit-limit', currency: 'EUR', newlyHeld: 0, newlyHeldMinor: 0, newlyApproved: 1, newlyApprovedMinor: 5_000 }]);
  });

  it('regression: a newcomer\'s first position, stamped with the business time of its joining, is applied after the join (the topics\' tie-break order)', () => {
    const r = new Records();
    const inputs = [TOPICS.customers, TOPICS.invoices, TOPICS.payments, TOPICS.outlooks, TOPICS.rules, TOPICS.orders, TOPICS.fraudChecks, TOPICS.commands, TOPICS.groupPositions, TOPICS.clock];
    const joinedAt = T('2024-01-02', 12);
    const recs = [
      r.registered(),
      r.command('SetCreditGroup', { commandId: 'j', actor: 'ann', creditGroupId: 'G', reason: 'family' }, joinedAt),
      // The group task's answer to the newcomer: same business time as the join (that of the exposure it sent).
      r.record(TOPICS.groupPositions, 'CreditGroupPosition', joinedAt, { creditGroupId: 'G', sequence: 1, currency: 'EUR', permanentLimit: { limitType: 'BALANCE', amountMinor: 10_000, expiresOn: null }, temporaryLimit: null, members: 2, othersBalanceMinor: 8_000, othersOpenOrdersMinor: 0, originEventId: 'join-exposure', originType: 'SetCreditGroup', originCustomerId: 'c1' }),
      r.order('SO1', 5_000, T('2024-01-04')),
    ];
    const history: ReplayRecord[] = recs.reverse().map((x) => ({ topic: x.topic, partition: 0, offset: x.offset, event: x.event }));
    const out = replayPartition(0, history, { inputs, topics: TOPICS, ruleSet: compileRuleSet(DEFAULT_RULE_SET_DOCUMENT), fraud: { mode: 'off', marginMs: 60_000, maxDays: 3 }, approvalThresholdMinor: 1_000_000 });
    assert.deepEqual([...outcomesOf(out).values()].map((o) => [o.orderId, o.decision, o.rules.join()]), [['SO1', 'HELD', 'group-credit-limit']]);
  });
});
