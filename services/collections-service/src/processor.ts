import { applyEvent, applyTick, checkOutlook, checkPrediction, newCustomerState, type InputEvent } from '@creditstream/features';
import type { BusinessDayTickEvent, CollectionCommandEnvelope, CollectionPolicyPublishedEvent, CustomerPaymentOutlookEvent, InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import type { Processor, ProcessorContext, Rejection, TaskRecord } from '@creditstream/streams';
import { COLLECTIONS, type AgingSnapshot, type CustomerCollectionsView, type LoggedAction, type StoredStatement } from './documents';
import { afterFoldEvent, dailyRun, idle, onCommand, onOutlook, onPrediction, previousMonthEnd, type Emitted, type Sink } from './domain/engine';
import { newCollectionsState, POLICY_KEY, type CustomerValue, type PolicyValue, type StoreValue } from './domain/state';
import { actionLabel, type CollectionsMetrics } from './metrics';
import { bucketLabels, compilePolicy, DEFAULT_POLICY, policyVersion, type CollectionPolicy } from './policy';

export { bucketLabels } from './policy';

/** Customers run per turn of deferred work on a business-day tick. */
const TICK_CHUNK = 200;

/** What the task consumes: the kind of each input topic. */
export type InputKind = 'policies' | 'customers' | 'invoices' | 'payments' | 'commands' | 'outlook' | 'predictions' | 'clock';

export type CollectionsInput = InputEvent | InvoicePaymentPredictedEvent | CustomerPaymentOutlookEvent | CollectionCommandEnvelope | CollectionPolicyPublishedEvent;

export interface CollectionsProcessorOptions {
  partition: number;
  /** Input topic name → its kind. */
  inputs: ReadonlyMap<string, InputKind>;
  actionsTopic: string;
  invoicesTopic: string;
  /** Where account blocks go (AccountStatusChanged). */
  customersTopic: string;
  metrics: CollectionsMetrics | null;
  /** Aging totals of this partition after each daily run (for the Prometheus gauges). */
  onAgingTotals?(partition: number, totals: AgingTotals): void;
}

/** Aging totals of a partition: amount per currency and bucket, invoice count per bucket. */
export interface AgingTotals {
  /** Bucket labels of the policy in force (see {@link bucketLabels}). */
  labels: string[];
  amounts: Map<string, number[]>;
  counts: number[];
}


/** The read-model view of one customer. */
export function collectionsView(customerId: string, v: CustomerValue, partition: number, policy: CollectionPolicy): CustomerCollectionsView {
  const f = v.fold;
  const c = v.c;
  const aging = c.aging;
  const overdue = aging === null ? 0 : aging.amounts.slice(1).reduce((s, a) => s + a, 0);
  return {
    customerId,
    partition,
    segment: f.registration?.segment ?? null,
    currency: f.registration?.currency ?? aging?.currency ?? '',
    accountStatus: f.account.status,
    aging,
    overdueMinor: overdue,
    openMinor: f.openSummary.amountMinor,
    expectedLateMinor: c.outlook?.expectedLateMinor ?? 0,
    expectedVeryLateMinor: c.outlook?.expectedVeryLateMinor ?? 0,
    outlookModelVersion: c.outlook?.modelVersion ?? null,
    nextAction: c.nextAction,
    letters: c.letters,
    highestLevel: c.dunning.reduce((m, d) => (f.invoices.some((i) => i.invoiceId === d.invoiceId && i.status === 'OPEN') ? Math.max(m, d.level) : m), 0),
    openPromises: c.promises.filter((p) => p.status === 'OPEN').length,
    openDisputes: f.disputes.open,
    feesMinor: c.feesMinor,
    interestMinor: c.interestMinor,
    policyVersion: policyVersion(policy),
  };
}

/**
 * The collections service's per-record logic on one partition task. Invoice, payment and customer events go through
 * the shared per-customer fold (libs/features) and then the collections rules that follow from them (NSF fee,
 * promises kept); predictions, outlooks and commands change the collections state; a policy publication replaces
 * the partition's policy; a business-day tick runs every customer with something open through the daily run
 * (promises, starts, letters, interest at a month's close, write-off proposals, aging). Deterministic: ids and
 * event times come from the causing events, never from the clock.
 */
export class CollectionsProcessor implements Processor<CollectionsInput, StoreValue> {
  /** The policy last read from the store (what views name). */
  private current: CollectionPolicy = DEFAULT_POLICY;

  constructor(private readonly options: CollectionsProcessorOptions) {}

  restored(ctx: ProcessorContext<StoreValue>): void {
    this.policy(ctx);
  }

  process(record: TaskRecord<CollectionsInput>, ctx: ProcessorContext<StoreValue>): Rejection | void {
    const kind = this.options.inputs.get(record.topic);
    const event = record.event;
    if (kind === 'clock') return this.tick(event as BusinessDayTickEvent, record.topic, record.offset, ctx);
    if (kind === 'policies') return this.publish(event as CollectionPolicyPublishedEvent, ctx);
    const customerId = (event as { customerId?: unknown }).customerId;
    if (typeof customerId !== 'string' || customerId.length === 0 || customerId === '*') return { code: 'INVALID_EVENT', message: `customerId must name a customer, got ${JSON.stringify(customerId)}` };
    // A prediction that is no distribution (NaN compares false with every threshold) would start collections.
    const unusable = kind === 'predictions' ? checkPrediction(event as InvoicePaymentPredictedEvent) : kind === 'outlook' ? checkOutlook(event as CustomerPaymentOutlookEvent) : null;
    if (unusable) return unusable;
    const policy = this.policy(ctx);
    const sink = this.sink(ctx);
    const known = ctx.store.get(customerId) as CustomerValue | undefined;
    if (kind === 'customers' || kind === 'invoices' || kind === 'payments') {
      const source = { topic: record.topic, partition: record.partition, offset: record.offset };
      const result = applyEvent(known?.fold ?? null, event as InputEvent, source);
      if (result.rejection) return { code: result.rejection.code, message: result.rejection.message };
      if (!result.changed) return;
      const value: CustomerValue = known ?? { kind: 'customer', fold: result.state as NonNullable<typeof result.state>, c: newCollectionsState(customerId) };
      afterFoldEvent(value, event as Exclude<InputEvent, { type: 'BusinessDayTick' }>, policy, sink);
      ctx.store.put(customerId, value);
      return;
    }
    if (kind === 'commands') {
      // A command for a customer never seen is refused like any other not allowed now (nothing to act on).
      const value = known ?? { kind: 'customer', fold: newCustomerState(customerId, (event as CollectionCommandEnvelope).eventTime.slice(0, 10)), c: newCollectionsState(customerId) };
      const outcome = onCommand(value, event as CollectionCommandEnvelope, policy, sink);
      if (outcome === 'ignored') {
        this.options.metrics?.commandsIgnored.inc();
        return;
      }
      if (typeof outcome === 'object') return outcome;
      if (known) ctx.store.put(customerId, value);
      return;
    }
    if (known === undefined) return; // a prediction or outlook of a customer this task has no invoice of: nothing to act on
    const changed = kind === 'predictions' ? onPrediction(known, event as InvoicePaymentPredictedEvent, policy, sink) : onOutlook(known, event as CustomerPaymentOutlookEvent);
    if (changed) ctx.store.put(customerId, known);
  }

  view(key: string, value: StoreValue): CustomerCollectionsView | null {
    if (value.kind !== 'customer') return null;
    return collectionsView(key, value, this.options.partition, this.current);
  }

  private policy(ctx: ProcessorContext<StoreValue>): CollectionPolicy {
    const p = ctx.store.get(POLICY_KEY) as PolicyValue | undefined;
    this.current = p?.policy ?? DEFAULT_POLICY;
    return this.current;
  }

  private sink(ctx: ProcessorContext<StoreValue>): Sink {
    return {
      emit: (o: Emitted) => {
        const topic = o.topic === 'actions' ? this.options.actionsTopic : o.topic === 'invoices' ? this.options.invoicesTopic : this.options.customersTopic;
        ctx.forward(topic, o.event.customerId, o.event);
        const businessDate = (o.event.payload as { businessDate?: string }).businessDate ?? o.event.eventTime.slice(0, 10);
        const logged: LoggedAction = { _id: o.event.eventId, customerId: o.event.customerId, type: o.event.type, businessDate, event: o.event };
        ctx.log(COLLECTIONS.actions, logged);
        this.options.metrics?.actions.inc({ action: actionLabel(o.event.type) });
      },
      statement: (customerId, statement) => {
        const doc: StoredStatement = { _id: `${customerId.length}:${customerId}:${statement.asOf}`, customerId, asOf: statement.asOf, statement };
        ctx.log(COLLECTIONS.statements, doc);
      },
      agingChanged: (customerId, aging) => {
        const doc: AgingSnapshot = { _id: `${customerId.length}:${customerId}:${aging.asOf}`, customerId, ...aging, amounts: [...aging.amounts], counts: [...aging.counts] };
        ctx.log(COLLECTIONS.agingHistory, doc);
      },
    };
  }

  private publish(event: CollectionPolicyPublishedEvent, ctx: ProcessorContext<StoreValue>): Rejection | void {
    let policy: CollectionPolicy;
    try {
      policy = compilePolicy(JSON.parse(event.payload.document));
    } catch (err) {
      return { code: 'POLICY_INVALID', message: `policy ${event.payload.policyId} ${event.payload.version}: ${(err as Error).message}` };
    }
    const current = this.policy(ctx);
    if (policyVersion(current) === policyVersion(policy) && JSON.stringify(current) === JSON.stringify(policy)) return;
    ctx.store.put(POLICY_KEY, { kind: 'policy', policy });
    this.options.metrics?.policy.reset();
    this.options.metrics?.policy.set({ partition: String(ctx.partition), version: policyVersion(policy) }, 1);
  }

  private tick(tick: BusinessDayTickEvent, topic: string, offset: number, ctx: ProcessorContext<StoreValue>): Rejection | void {
    const p = tick.payload;
    // The feature fold's checks of a tick: type, customer "*", dates, and the partition it names is this one.
    const check = applyTick(null, tick, { topic, partition: ctx.partition, offset });
    if (check.rejection) return { code: check.rejection.code, message: check.rejection.message };
    const previous = ctx.clock.businessDate;
    if (!ctx.clock.advance({ businessDate: p.businessDate, offset, tick })) return;
    const date = p.businessDate;
    this.options.metrics?.businessDate.set({ partition: String(ctx.partition) }, Date.parse(`${date}T00:00:00Z`) / 1000);
    // A month closed since the last tick: its interest is charged in this run.
    const periodEnd = previous !== null && previous.slice(0, 7) !== date.slice(0, 7) ? previousMonthEnd(date) : null;
    const policy = this.policy(ctx);
    const cause = { eventId: tick.eventId, eventTime: tick.eventTime };
    const ids = [...ctx.store.keys()].filter((k) => k !== POLICY_KEY).sort();
    const totals: AgingTotals = { labels: bucketLabels(policy.agingPeriods), amounts: new Map(), counts: new Array<number>(policy.agingPeriods.length + 2).fill(0) };
    let i = 0;
    let ran = 0;
    ctx.defer((c) => {
      const sink = this.sink(c);
      for (const end = Math.min(ids.length, i + TICK_CHUNK); i < end; i++) {
        const id = ids[i] as string;
        const value = c.store.get(id) as CustomerValue | undefined;
        if (value === undefined || idle(value, periodEnd)) continue;
        ran += 1;
        if (dailyRun(value, date, periodEnd, cause, policy, sink)) c.store.put(id, value);
        const aging = value.c.aging;
        if (aging !== null && aging.amounts.length === totals.counts.length) {
          let list = totals.amounts.get(aging.currency);
          if (list === undefined) totals.amounts.set(aging.currency, (list = new Array<number>(aging.amounts.length).fill(0)));
          for (let b = 0; b < aging.amounts.length; b++) {
            list[b] = (list[b] as number) + (aging.amounts[b] as number);
            totals.counts[b] = (totals.counts[b] as number) + (aging.counts[b] as number);
          }
        }
      }
      if (i < ids.length) return true;
      this.options.metrics?.dailyRunCustomers.inc(ran);
      this.options.onAgingTotals?.(ctx.partition, totals);
      return false;
    });
  }
}
