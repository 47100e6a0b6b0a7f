import type {
  CreditGroupCommandEnvelope,
  CreditGroupEnvelope,
  CreditGroupExposureEnvelope,
  CreditGroupLimitSet,
  CreditGroupPositionEvent,
  RequestCreditGroupLimitAdjustment,
} from '@creditstream/schemas';
import type { Processor, ProcessorContext, Rejection, TaskRecord } from '@creditstream/streams';
import type { GroupLimitTerms } from '../documents';
import type { CreditMetrics } from '../metrics';
import { groupLimitInForce } from '../rules/facts';

/** Any record a group task consumes. */
export type GroupInput = CreditGroupEnvelope | CreditGroupExposureEnvelope | CreditGroupCommandEnvelope;

/** The topics of a group task, by role (all keyed by credit group id, except the positions: by member). */
export interface GroupTopics {
  /** Group limits (master data and approved adjustments), requests, refusals: an input and an output. */
  groups: string;
  /** Members' exposures from the customer tasks: an input. */
  exposure: string;
  commands: string;
  /** Positions to the members, keyed by customer: an output. */
  positions: string;
}

export interface GroupProcessorOptions {
  partition: number;
  topics: GroupTopics;
  /** Group limit adjustments changing the limit by more than this (minor units) need a second person. */
  approvalThresholdMinor: number;
  metrics: CreditMetrics;
}

/** One member's own exposure, as its customer task last reported it. */
export interface MemberExposure {
  currency: string;
  balanceMinor: number;
  openOrdersMinor: number;
}

/** A group limit adjustment waiting for its second person. */
export interface PendingGroupAdjustment {
  adjustmentId: string;
  commandId: string;
  requestedBy: string;
  temporary: boolean;
  previousLimitMinor: number | null;
  newLimitMinor: number;
  currency: string;
  expiresOn: string | null;
  limitType: 'BALANCE' | 'BALANCE_AND_OPEN_ORDERS';
  reason: string;
}

/** What a group task keeps per credit group. */
export interface GroupValue {
  kind: 'group';
  creditGroupId: string;
  /** Currency of the group limit (null until one is set): only members in it count. */
  currency: string | null;
  permanent: GroupLimitTerms | null;
  temporary: GroupLimitTerms | null;
  members: Record<string, MemberExposure>;
  /** The last exposure sequence applied per customer (kept after it leaves): older records are ignored. */
  sequences: Record<string, number>;
  /** Sequence of the positions sent (one per change of the group). */
  sequence: number;
  adjustments: PendingGroupAdjustment[];
  commandIds: string[];
}

/** The read model of one credit group. */
export interface CreditGroupStateView {
  creditGroupId: string;
  partition: number;
  currency: string | null;
  permanentLimit: GroupLimitTerms | null;
  temporaryLimit: GroupLimitTerms | null;
  members: { customerId: string; currency: string; balanceMinor: number; openOrdersMinor: number }[];
  /** Σ members' balances in the group's currency. */
  balanceMinor: number;
  /** Σ members' open orders in the group's currency. */
  openOrdersMinor: number;
  pendingAdjustments: PendingGroupAdjustment[];
}

type Ctx = ProcessorContext<GroupValue>;

const REMEMBERED_COMMANDS = 200;
const CURRENCY = /^[A-Z]{3}$/;

function emptyGroup(creditGroupId: string): GroupValue {
  return { kind: 'group', creditGroupId, currency: null, permanent: null, temporary: null, members: {}, sequences: {}, sequence: 0, adjustments: [], commandIds: [] };
}

const isAmount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * The credit groups' side of the credit service: a second set of partition tasks over the topics keyed by credit
 * group id (a repartition after Kafka Streams: the customer tasks send each member's exposure here, keyed by its
 * group). A group task owns its groups' limits and the sum of their members' exposures, carries out the group limit
 * commands (four eyes above the threshold, like a customer's), and sends every member a CreditGroupPosition — the
 * group limit and the other members' exposure — whenever that changes, keyed by the member so that the member's
 * task checks its orders against it. Deterministic, like every processor.
 */
export class GroupProcessor implements Processor<GroupInput, GroupValue> {
  constructor(private readonly options: GroupProcessorOptions) {}

  process(record: TaskRecord<GroupInput>, ctx: Ctx): Rejection | void {
    const t = this.options.topics;
    const event = record.event;
    if (record.topic === t.exposure) return this.exposure(event as CreditGroupExposureEnvelope, ctx);
    if (record.topic === t.commands) return this.command(event as CreditGroupCommandEnvelope, ctx);
    if (event.type === 'CreditGroupLimitSet') return this.limitSet(event, ctx);
    // The group tasks' own requests and refusals come back on the groups topic: nothing to do.
  }

  view(key: string, value: GroupValue): CreditGroupStateView {
    const members = Object.keys(value.members)
      .sort()
      .map((customerId) => ({ customerId, ...(value.members[customerId] as MemberExposure) }));
    const counted = members.filter((m) => value.currency === null || m.currency === value.currency);
    return {
      creditGroupId: key,
      partition: this.options.partition,
      currency: value.currency,
      permanentLimit: value.permanent,
      temporaryLimit: value.temporary,
      members,
      balanceMinor: counted.reduce((s, m) => s + m.balanceMinor, 0),
      openOrdersMinor: counted.reduce((s, m) => s + m.openOrdersMinor, 0),
      pendingAdjustments: value.adjustments,
    };
  }

  private group(ctx: Ctx, creditGroupId: string): GroupValue {
    const known = ctx.store.get(creditGroupId);
    return known?.kind === 'group' ? known : emptyGroup(creditGroupId);
  }

  // ---- members ----

  private exposure(event: CreditGroupExposureEnvelope, ctx: Ctx): Rejection | void {
    const p = event.payload;
    if (typeof p?.memberId !== 'string' || p.memberId === '' || !Number.isSafeInteger(p.sequence) || p.sequence < 1 || typeof p.member !== 'boolean' || typeof p.currency !== 'string' || !isAmount(p.openOrdersMinor) || !Number.isSafeInteger(p.balanceMinor)) {
      return { code: 'INVALID_EVENT', message: `a member exposure needs memberId, member, a sequence ≥ 1, a currency and integer amounts, got ${JSON.stringify(p)}` };
    }
    const g = this.group(ctx, event.customerId);
    // Absolute figures with a per-member sequence: a redelivered or replayed record is applied once, an older one never.
    if ((g.sequences[p.memberId] ?? 0) >= p.sequence) return;
    g.sequences[p.memberId] = p.sequence;
    const joined = !(p.memberId in g.members);
    if (p.member) g.members[p.memberId] = { currency: p.currency, balanceMinor: p.balanceMinor, openOrdersMinor: p.openOrdersMinor };
    else delete g.members[p.memberId];
    ctx.store.put(g.creditGroupId, g);
    // A member's own change does not change what the group looks like to it: only the others (and a newcomer) hear.
    const to = Object.keys(g.members).filter((m) => m !== p.memberId || (p.member && joined));
    this.fanOut(g, to, { eventId: p.originEventId, type: p.originType, customerId: p.memberId, eventTime: event.eventTime, causationId: event.eventId }, ctx);
  }

  /** Sends each of `to` the group's position: the limit and the sums of the other members in the group's currency. */
  private fanOut(g: GroupValue, to: string[], origin: { eventId: string; type: string; customerId: string | null; eventTime: string; causationId: string }, ctx: Ctx): void {
    if (to.length === 0) return;
    g.sequence += 1;
    ctx.store.put(g.creditGroupId, g);
    const ids = Object.keys(g.members);
    for (const memberId of [...to].sort()) {
      const own = g.members[memberId];
      const currency = g.currency ?? own?.currency ?? null;
      let balance = 0;
      let openOrders = 0;
      for (const other of ids) {
        const m = g.members[other] as MemberExposure;
        if (other === memberId || m.currency !== currency) continue;
        balance += m.balanceMinor;
        openOrders += m.openOrdersMinor;
      }
      const position: CreditGroupPositionEvent = {
        eventId: `${g.creditGroupId}:position:${g.sequence}:${memberId}`,
        eventTime: origin.eventTime,
        customerId: memberId,
        causationId: origin.causationId,
        type: 'CreditGroupPosition',
        payload: {
          creditGroupId: g.creditGroupId,
          sequence: g.sequence,
          currency: g.currency,
          permanentLimit: g.permanent,
          temporaryLimit: g.temporary,
          members: ids.length,
          othersBalanceMinor: balance,
          othersOpenOrdersMinor: openOrders,
          originEventId: origin.eventId,
          originType: origin.type,
          originCustomerId: origin.customerId,
        },
      };
      ctx.forward(this.options.topics.positions, memberId, position);
    }
  }

  // ---- the group limit ----

  private limitSet(event: Extract<CreditGroupEnvelope, { type: 'CreditGroupLimitSet' }>, ctx: Ctx): Rejection | void {
    const p = event.payload;
    if (!isAmount(p?.amountMinor) || typeof p.currency !== 'string' || !CURRENCY.test(p.currency) || (p.limitType !== 'BALANCE' && p.limitType !== 'BALANCE_AND_OPEN_ORDERS') || (p.temporary && p.expiresOn === null)) {
      return { code: 'INVALID_EVENT', message: `a group limit needs an amount ≥ 0, an ISO 4217 currency, a limit type, and an expiry when temporary, got ${JSON.stringify(p)}` };
    }
    const g = this.group(ctx, event.customerId);
    const other = p.temporary ? g.permanent : g.temporary;
    if (g.currency !== null && g.currency !== p.currency && other !== null) {
      return { code: 'CURRENCY_MISMATCH', message: `group ${g.creditGroupId} has a ${p.temporary ? 'permanent' : 'temporary'} limit in ${g.currency}; a ${p.temporary ? 'temporary' : 'permanent'} limit in ${p.currency} cannot be combined with it` };
    }
    const terms: GroupLimitTerms = { limitType: p.limitType, amountMinor: p.unlimited ? null : p.amountMinor, expiresOn: p.expiresOn };
    if (p.temporary) g.temporary = terms;
    else g.permanent = terms;
    g.currency = p.currency;
    ctx.store.put(g.creditGroupId, g);
    this.fanOut(g, Object.keys(g.members), { eventId: event.eventId, type: 'CreditGroupLimitSet', customerId: null, eventTime: event.eventTime, causationId: event.eventId }, ctx);
  }

  // ---- commands ----

  private command(event: CreditGroupCommandEnvelope, ctx: Ctx): Rejection | void {
    const p = event.payload as { commandId?: unknown; actor?: unknown };
    if (typeof p?.commandId !== 'string' || p.commandId.trim() === '' || typeof p.actor !== 'string' || p.actor.trim() === '') {
      return { code: 'INVALID_COMMAND', message: `${event.type} needs a non-empty commandId and actor, got ${JSON.stringify({ commandId: p?.commandId, actor: p?.actor })}` };
    }
    const g = this.group(ctx, event.customerId);
    const commandId = p.commandId;
    if (g.commandIds.includes(commandId)) {
      this.options.metrics.commands.inc({ type: event.type, outcome: 'duplicate' });
      return;
    }
    g.commandIds.push(commandId);
    if (g.commandIds.length > REMEMBERED_COMMANDS) g.commandIds.shift();
    ctx.store.put(g.creditGroupId, g);
    const refusal = this.carryOut(event, g, ctx);
    if (refusal) {
      this.emit(ctx, g.creditGroupId, event, `${commandId}:refused`, { type: 'CreditGroupCommandRefused', payload: { commandId, commandType: event.type, reasonCode: refusal.code, message: refusal.message, actor: p.actor } });
      this.options.metrics.commands.inc({ type: event.type, outcome: 'refused' });
    } else this.options.metrics.commands.inc({ type: event.type, outcome: 'done' });
  }

  private carryOut(event: CreditGroupCommandEnvelope, g: GroupValue, ctx: Ctx): { code: string; message: string } | void {
    if (event.type === 'RequestCreditGroupLimitAdjustment') return this.request(event.payload, g, event, ctx);
    const c = event.payload;
    const i = g.adjustments.findIndex((a) => a.adjustmentId === c.adjustmentId);
    const adjustment = g.adjustments[i];
    if (adjustment === undefined) return { code: 'ADJUSTMENT_NOT_FOUND', message: `no limit adjustment ${c.adjustmentId} of credit group ${g.creditGroupId} waits for approval` };
    if (adjustment.requestedBy === c.actor) return { code: 'SAME_APPROVER', message: `${c.actor} requested adjustment ${c.adjustmentId}; a second person must approve it (four eyes)` };
    g.adjustments.splice(i, 1);
    this.setLimit(g, adjustment, `${adjustment.reason} (adjustment ${adjustment.adjustmentId} requested by ${adjustment.requestedBy}, approved by ${c.actor})`, `${c.commandId}:group-limit-set`, event, ctx);
  }

  private request(c: RequestCreditGroupLimitAdjustment, g: GroupValue, cause: { eventId: string; eventTime: string }, ctx: Ctx): { code: string; message: string } | void {
    const given = [c.newLimitMinor, c.changeMinor, c.changePercent].filter((v) => v !== null).length;
    if (given !== 1) return { code: 'INVALID_ADJUSTMENT', message: `group adjustment ${c.adjustmentId} needs exactly one of newLimitMinor, changeMinor and changePercent (got ${given})` };
    if (c.newLimitMinor !== null && !isAmount(c.newLimitMinor)) return { code: 'INVALID_ADJUSTMENT', message: `group adjustment ${c.adjustmentId}: newLimitMinor ${c.newLimitMinor} is not an amount ≥ 0` };
    if (!CURRENCY.test(c.currency)) return { code: 'INVALID_ADJUSTMENT', message: `group adjustment ${c.adjustmentId}: currency ${JSON.stringify(c.currency)} is not an ISO 4217 code` };
    if (g.currency !== null && c.currency !== g.currency) return { code: 'CURRENCY_MISMATCH', message: `group adjustment ${c.adjustmentId} is in ${c.currency}, the limit of credit group ${g.creditGroupId} is in ${g.currency}` };
    if (c.temporary && c.expiresOn === null) return { code: 'INVALID_ADJUSTMENT', message: `temporary group adjustment ${c.adjustmentId} needs expiresOn` };
    if (g.adjustments.some((a) => a.adjustmentId === c.adjustmentId)) return { code: 'DUPLICATE_ADJUSTMENT', message: `group adjustment ${c.adjustmentId} already waits for approval` };
    const current = c.temporary ? groupLimitInForce({ permanentLimit: g.permanent, temporaryLimit: g.temporary }, cause.eventTime.slice(0, 10)) : g.permanent;
    if (current !== null && current.amountMinor === null && c.newLimitMinor === null) return { code: 'LIMIT_UNLIMITED', message: `credit group ${g.creditGroupId} has no limit (unlimited); a change needs newLimitMinor` };
    const base = current?.amountMinor ?? 0;
    const next = c.newLimitMinor ?? Math.max(0, base + (c.changeMinor ?? Math.round((base * (c.changePercent as number)) / 100)));
    const adjustment: PendingGroupAdjustment = {
      adjustmentId: c.adjustmentId,
      commandId: c.commandId,
      requestedBy: c.actor,
      temporary: c.temporary,
      previousLimitMinor: current?.amountMinor ?? null,
      newLimitMinor: next,
      currency: c.currency,
      expiresOn: c.temporary ? c.expiresOn : null,
      limitType: c.limitType ?? current?.limitType ?? 'BALANCE',
      reason: c.reason,
    };
    // From no limit, the whole new limit is the change.
    if (Math.abs(next - base) <= this.options.approvalThresholdMinor) {
      this.setLimit(g, adjustment, `${c.reason} (adjustment ${c.adjustmentId} by ${c.actor})`, `${c.commandId}:group-limit-set`, cause, ctx);
      return;
    }
    g.adjustments.push(adjustment);
    ctx.store.put(g.creditGroupId, g);
    const { limitType: _limitType, ...requested } = adjustment;
    this.emit(ctx, g.creditGroupId, cause, `${c.commandId}:adjustment-requested`, { type: 'CreditGroupLimitAdjustmentRequested', payload: requested });
  }

  /** A group limit change is an event on the groups topic: the task applies it when it comes back (like a customer's CreditLimitSet). */
  private setLimit(g: GroupValue, a: PendingGroupAdjustment, reason: string, eventId: string, cause: { eventId: string; eventTime: string }, ctx: Ctx): void {
    const payload: CreditGroupLimitSet = { limitType: a.limitType, amountMinor: a.newLimitMinor, currency: a.currency, unlimited: false, temporary: a.temporary, expiresOn: a.expiresOn, reason };
    this.emit(ctx, g.creditGroupId, cause, eventId, { type: 'CreditGroupLimitSet', payload });
    this.options.metrics.limitChanges.inc();
  }

  private emit(ctx: Ctx, creditGroupId: string, cause: { eventId: string; eventTime: string }, eventId: string, body: Pick<CreditGroupEnvelope, 'type' | 'payload'>): void {
    ctx.forward(this.options.topics.groups, creditGroupId, { eventId, eventTime: cause.eventTime, customerId: creditGroupId, causationId: cause.eventId, ...body });
  }
}
