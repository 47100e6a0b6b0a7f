import { applyTick, appliedOffset, sourceKey } from '@creditstream/features';
import type { LoadedCustomer, PartitionClockDocument, StateStore } from '@creditstream/feature-service';
import { PoisonMessageError, type BatchContext, type BatchOutcome, type EventProducer, type InboundMessage } from '@creditstream/kafka';
import type { Logger } from '@creditstream/logging';
import type { BusinessDayTickEvent, CustomerFeaturesChangedEvent, CustomerPaymentOutlookEvent, InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import type { ScoringMetrics } from './metrics';
import type { ModelHolder } from './model-holder';
import { PartitionLocks } from '@creditstream/kafka';
import type { PredictionStore, ScoringWrite } from './prediction-store';
import { scoreCustomer, type ScoringPolicy, type Trigger } from './scoring/score-customer';

/** The scoring service's inputs on its main consumer. */
export type ScoringInput = CustomerFeaturesChangedEvent | BusinessDayTickEvent;

export interface ScoringProcessorOptions {
  featureStore: StateStore;
  predictions: PredictionStore;
  producer: EventProducer;
  models: ModelHolder;
  topics: { featuresChanged: string; clock: string; predictions: string; outlooks: string };
  /** Emission threshold; at-risk and high-late-balance thresholds override the model's when set. */
  policy: { minChange: number; atRisk: number | undefined; highLateShare: number | undefined; factors: number };
  customersPerChunk: number;
  logger: Logger;
  metrics: ScoringMetrics;
}

/** What to score for one customer, and why. */
interface Target {
  trigger: Trigger;
  /** The customer is up to date when it was scored at this state version or a later one. */
  minVersion: number;
}

/**
 * The scoring service's batch logic. A `customer features changed` batch re-scores its customers; a clock tick
 * re-scores every customer of the partition that has open invoices as of the new business date (ages and days to
 * due change daily); a new model re-scores every customer of the assigned partitions. Per chunk of customers: load
 * their states (read-only) and current predictions, score, write the feature log and the predictions with their
 * outbox, then produce the events. A customer already scored at the same state version, business date and model
 * is skipped, which makes redelivery and repeated triggers free.
 */
export class ScoringProcessor {
  private readonly locks = new PartitionLocks();
  private readonly clocks = new Map<number, PartitionClockDocument>();
  private clocksLoaded = false;
  private readonly flushed = new Set<number>();
  private assigned = new Set<number>();

  constructor(private readonly options: ScoringProcessorOptions) {}

  /** After a (re)assignment: outboxes are produced again, clocks re-read, and the assigned partitions remembered. */
  reset(assignment: Record<string, number[]>): void {
    const { topics } = this.options;
    this.flushed.clear();
    this.clocksLoaded = false;
    this.assigned = new Set([...(assignment[topics.featuresChanged] ?? []), ...(assignment[topics.clock] ?? [])]);
  }

  /** Handles one batch of one topic-partition. */
  async handle(messages: InboundMessage<ScoringInput>[], context?: BatchContext): Promise<BatchOutcome<ScoringInput>> {
    const first = messages[0];
    if (!first) return {};
    return this.locks.run(first.partition, async () => {
      try {
        await this.prepare(first.partition, context);
        if (first.topic === this.options.topics.clock) return await this.handleTicks(messages as InboundMessage<BusinessDayTickEvent>[], context);
        return await this.handleChanges(messages as InboundMessage<CustomerFeaturesChangedEvent>[], context);
      } catch (err) {
        // The outbox of a write whose send failed must go out before anything else of this partition.
        this.flushed.delete(first.partition);
        throw err;
      }
    });
  }

  /**
   * Re-scores every customer of the assigned partitions that the serving model has not scored (after a hot reload).
   * Runs under each partition's lock, between that partition's batches.
   */
  async rescoreWithServingModel(): Promise<void> {
    for (const partition of [...this.assigned].sort((a, b) => a - b)) {
      await this.locks.run(partition, async () => {
        try {
          await this.prepare(partition, undefined, true);
        } catch (err) {
          this.flushed.delete(partition);
          throw err;
        }
      });
    }
  }

  /**
   * First thing for a partition after a (re)assignment or a failure: produce its outbox again and re-score the
   * customers an older model scored (a reload may have happened while another instance owned the partition).
   */
  private async prepare(partition: number, context?: BatchContext, modelChanged = false): Promise<void> {
    const { featureStore, predictions, models } = this.options;
    if (!this.clocksLoaded) {
      for (const [p, clock] of await featureStore.loadClocks()) this.updateClock(p, clock);
      this.clocksLoaded = true;
    }
    let checkModel = modelChanged;
    if (!this.flushed.has(partition)) {
      const outbox = await predictions.outboxOf(partition);
      await this.produce(outbox.predictions, outbox.outlooks);
      if (outbox.predictions.length + outbox.outlooks.length > 0) this.options.logger.info({ partition, predictions: outbox.predictions.length, outlooks: outbox.outlooks.length }, 'outbox produced again after (re)assignment');
      this.flushed.add(partition);
      checkModel = true;
    }
    if (!checkModel) return;
    const active = models.active;
    const stale = await predictions.staleCustomers(partition, active.scorer.modelVersion);
    if (stale.length === 0) return;
    const trigger: Trigger = { eventId: active.publication?.eventId ?? null, eventTime: active.publication?.businessTime ?? this.clockTime(partition) };
    this.options.logger.info({ partition, customers: stale.length, modelVersion: active.scorer.modelVersion }, 're-scoring with the serving model');
    await this.score(new Map(stale.map((id) => [id, { trigger, minVersion: 0 }])), context);
  }

  private async handleChanges(messages: InboundMessage<CustomerFeaturesChangedEvent>[], context?: BatchContext): Promise<BatchOutcome<ScoringInput>> {
    const targets = new Map<string, Target>();
    for (const m of messages) {
      const e = m.event;
      const known = targets.get(e.customerId);
      if (known === undefined || known.minVersion <= e.payload.version) targets.set(e.customerId, { trigger: { eventId: e.eventId, eventTime: e.eventTime }, minVersion: e.payload.version });
    }
    await this.score(targets, context);
    return {};
  }

  private async handleTicks(messages: InboundMessage<BusinessDayTickEvent>[], context?: BatchContext): Promise<BatchOutcome<ScoringInput>> {
    const rejected: NonNullable<BatchOutcome<ScoringInput>['rejected']> = [];
    let latest: InboundMessage<BusinessDayTickEvent> | null = null;
    for (const m of messages) {
      const check = applyTick(null, m.event, { topic: m.topic, partition: m.partition, offset: m.offset });
      if (check.rejection) rejected.push({ message: m, error: new PoisonMessageError(check.rejection.code, check.rejection.message) });
      else latest = m;
    }
    if (latest === null) return { rejected };
    const partition = latest.partition;
    this.updateClock(partition, { _id: partition, offset: latest.offset, businessDate: latest.event.payload.businessDate, tick: latest.event });
    // Only the latest tick of a batch matters: under a backlog the days in between would be superseded at once.
    const trigger: Trigger = { eventId: latest.event.eventId, eventTime: latest.event.eventTime };
    const ids = await this.options.predictions.customersWithOpenInvoices(partition);
    await this.score(new Map(ids.map((id) => [id, { trigger, minVersion: 0 }])), context);
    return { rejected };
  }

  private updateClock(partition: number, clock: PartitionClockDocument): void {
    const known = this.clocks.get(partition);
    if (known !== undefined && known.offset >= clock.offset) return;
    this.clocks.set(partition, clock);
    this.options.metrics.businessDate.set({ partition: String(partition) }, Date.parse(`${clock.businessDate}T00:00:00Z`) / 1000);
  }

  private clockTime(partition: number): string {
    const date = this.clocks.get(partition)?.businessDate;
    return date === undefined ? new Date(0).toISOString() : `${date}T00:00:00.000Z`;
  }

  /** Brings a loaded state to its partition's latest tick in memory (the feature service applies ticks lazily). */
  private catchUp(customer: LoadedCustomer): void {
    const clock = this.clocks.get(customer.partition);
    if (!clock) return;
    const source = { topic: this.options.topics.clock, partition: clock._id, offset: clock.offset };
    if (appliedOffset(customer.state, sourceKey(source)) >= clock.offset) return;
    applyTick(customer.state, clock.tick as BusinessDayTickEvent, source);
  }

  /** Scores the targets in chunks; one model for the whole call. */
  private async score(targets: Map<string, Target>, context?: BatchContext): Promise<void> {
    const { featureStore, predictions, models, metrics, policy, customersPerChunk } = this.options;
    const scorer = models.scorer;
    const scoringPolicy: ScoringPolicy = {
      minChange: policy.minChange,
      atRisk: policy.atRisk ?? scorer.thresholds.atRisk,
      highLateShare: policy.highLateShare ?? scorer.thresholds.highLateBalance,
      factors: policy.factors,
    };
    const ids = [...targets.keys()];
    for (let i = 0; i < ids.length; i += customersPerChunk) {
      const chunk = ids.slice(i, i + customersPerChunk);
      const previous = await predictions.load(chunk);
      // Without loading the state: already scored at (at least) this version, at the latest tick, with this model.
      const need = chunk.filter((id) => {
        const done = previous.get(id)?.scored;
        if (done === undefined || done.modelVersion !== scorer.modelVersion) return true;
        const clock = this.clocks.get(previous.get(id)?.partition ?? -1)?.businessDate ?? '';
        return done.customerVersion < (targets.get(id) as Target).minVersion || done.asOf < clock;
      });
      const states = await featureStore.load(need, { repair: false });
      const write: ScoringWrite = { log: [], documents: [] };
      const predicted: InvoicePaymentPredictedEvent[] = [];
      const outlooks: CustomerPaymentOutlookEvent[] = [];
      let invoices = 0;
      for (const id of need) {
        const customer = states.get(id);
        if (customer === undefined) continue;
        this.catchUp(customer);
        const before = previous.get(id) ?? null;
        const done = before?.scored;
        if (done !== undefined && done.modelVersion === scorer.modelVersion && done.customerVersion === customer.version && done.asOf === customer.state.asOf) continue;
        const result = scoreCustomer({ state: customer.state, version: customer.version, partition: customer.partition, previous: before }, scorer, scoringPolicy, (targets.get(id) as Target).trigger);
        write.log.push({ customerId: id, version: customer.version, asOf: customer.state.asOf, entries: result.log });
        write.documents.push(result.document);
        predicted.push(...result.predictions);
        if (result.outlook) outlooks.push(result.outlook);
        invoices += result.log.length;
      }
      metrics.customersSkipped.inc(chunk.length - write.documents.length);
      if (write.documents.length === 0) continue;
      await predictions.write(write);
      await this.produce(predicted, outlooks);
      metrics.customersScored.inc(write.documents.length);
      metrics.invoicesScored.inc(invoices);
      await context?.heartbeat();
    }
  }

  private async produce(predicted: InvoicePaymentPredictedEvent[], outlooks: CustomerPaymentOutlookEvent[]): Promise<void> {
    if (predicted.length + outlooks.length === 0) return;
    const { producer, topics, metrics } = this.options;
    await producer.sendBatch([
      { topic: topics.predictions, messages: predicted.map((event) => ({ key: event.customerId, event })) },
      { topic: topics.outlooks, messages: outlooks.map((event) => ({ key: event.customerId, event })) },
    ]);
    metrics.predictionsEmitted.inc(predicted.length);
    metrics.outlooksEmitted.inc(outlooks.length);
  }
}

