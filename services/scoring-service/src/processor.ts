import { applyTick, appliedOffset, sourceKey } from '@creditstream/features';
import type { LoadedCustomer, PartitionClockDocument, StateStore } from '@creditstream/feature-service';
import { PoisonMessageError, type BatchContext, type BatchOutcome, type EventProducer, type InboundMessage } from '@creditstream/kafka';
import type { Logger } from '@creditstream/logging';
import type { BusinessDayTickEvent, CustomerFeaturesChangedEvent, CustomerPaymentOutlookEvent, InvoicePaymentPredictedEvent } from '@creditstream/schemas';
import type { ScoringMetrics } from './metrics';
import type { Scorer } from '@creditstream/model';
import type { ModelHolder } from './model-holder';
import { PartitionLocks } from '@creditstream/kafka';
import type { PredictionStore, ScoringWrite } from './prediction-store';
import { scoreCustomer, type ScoringPolicy, type Trigger } from './scoring/score-customer';
import { Sweeps } from './sweeps';

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
  /**
   * Largest share of the time a sweep may take (0..1]: after each chunk it pauses for chunk time × (1 − share) / share,
   * leaving the store and the CPU to the events between its chunks.
   */
  sweepShare: number;
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
 * The scoring service's batch logic. A `customer features changed` batch re-scores its customers at once. A clock
 * tick, a new model and a (re)assignment ask for a sweep of the partition instead, which runs in the background
 * (see Sweeps): every customer of the partition with open invoices (ages and days to due change daily) or scored by
 * another model. Per chunk of customers: load their states (read-only) and current predictions, score, write the
 * feature log and the predictions with their outbox, then produce the events. A customer already scored at the same
 * state version, business date and model is skipped, which makes redelivery, repeated triggers and a sweep that
 * starts again free.
 */
export class ScoringProcessor {
  private readonly locks = new PartitionLocks();
  private readonly clocks = new Map<number, PartitionClockDocument>();
  private clocksLoaded = false;
  private readonly flushed = new Set<number>();
  private assigned = new Set<number>();
  private readonly sweeps: Sweeps;

  constructor(private readonly options: ScoringProcessorOptions) {
    this.sweeps = new Sweeps({
      sweep: (partition, trigger, cancelled) => this.sweep(partition, trigger, cancelled),
      logger: options.logger,
      onPending: (n) => options.metrics.sweepsPending.set(n),
    });
  }

  /**
   * After a (re)assignment: outboxes are produced again, clocks re-read, and every assigned partition swept (a tick
   * or a model whose sweep a crash or a rebalance interrupted is finished; otherwise the sweep skips everyone).
   */
  reset(assignment: Record<string, number[]>): void {
    const { topics } = this.options;
    this.flushed.clear();
    this.clocksLoaded = false;
    this.assigned = new Set([...(assignment[topics.featuresChanged] ?? []), ...(assignment[topics.clock] ?? [])]);
    this.sweeps.retain(this.assigned);
    for (const partition of this.assigned) this.sweeps.request(partition, null);
  }

  /** Handles one batch of one topic-partition. */
  async handle(messages: InboundMessage<ScoringInput>[], context?: BatchContext): Promise<BatchOutcome<ScoringInput>> {
    const first = messages[0];
    if (!first) return {};
    return this.underLock(first.partition, async () => {
      await this.prepare(first.partition);
      if (first.topic === this.options.topics.clock) return this.handleTicks(messages as InboundMessage<BusinessDayTickEvent>[]);
      return this.handleChanges(messages as InboundMessage<CustomerFeaturesChangedEvent>[], context);
    });
  }

  /** Runs `work` under the partition's lock; after a failure the partition's outbox is produced again first. */
  private async underLock<T>(partition: number, work: () => Promise<T>): Promise<T> {
    return this.locks.run(partition, async () => {
      try {
        return await work();
      } catch (err) {
        // The outbox of a write whose send failed must go out before anything else of this partition.
        this.flushed.delete(partition);
        throw err;
      }
    });
  }

  /** After a hot reload: sweeps every assigned partition, re-scoring the customers another model scored. */
  rescoreWithServingModel(): void {
    for (const partition of this.assigned) this.sweeps.request(partition, null);
  }

  /** Resolves when no partition sweep is waiting or running. */
  sweepsIdle(): Promise<void> {
    return this.sweeps.idle();
  }

  /** Stops the sweeps after their current chunk (the next owner of a partition sweeps it again). */
  stop(): Promise<void> {
    return this.sweeps.stop();
  }

  /** The causation of a sweep not caused by a tick: the serving model's publication, else the partition's latest tick. */
  private servingTrigger(partition: number): Trigger {
    const publication = this.options.models.active.publication;
    if (publication) return { eventId: publication.eventId, eventTime: publication.businessTime };
    const tick = this.clocks.get(partition)?.tick as BusinessDayTickEvent | undefined;
    return tick ? { eventId: tick.eventId, eventTime: tick.eventTime } : { eventId: null, eventTime: this.clockTime(partition) };
  }

  /** First thing for a partition after a (re)assignment or a failure: produce its outbox again. */
  private async prepare(partition: number): Promise<void> {
    const { featureStore, predictions } = this.options;
    if (!this.clocksLoaded) {
      for (const [p, clock] of await featureStore.loadClocks()) this.updateClock(p, clock);
      this.clocksLoaded = true;
    }
    if (this.flushed.has(partition)) return;
    const outbox = await predictions.outboxOf(partition);
    await this.produce(outbox.predictions, outbox.outlooks);
    if (outbox.predictions.length + outbox.outlooks.length > 0) this.options.logger.info({ partition, predictions: outbox.predictions.length, outlooks: outbox.outlooks.length }, 'outbox produced again after (re)assignment');
    this.flushed.add(partition);
  }

  /**
   * One partition's sweep: every customer with open invoices or scored by another model than the serving one, in
   * chunks, each under the partition's lock; it stops between chunks once cancelled (revoked or stopping).
   */
  private async sweep(partition: number, asked: Trigger | null, cancelled: () => boolean): Promise<void> {
    const { predictions, models, customersPerChunk, sweepShare, metrics, logger } = this.options;
    const started = performance.now();
    await this.underLock(partition, () => this.prepare(partition));
    const trigger = asked ?? this.servingTrigger(partition);
    const scorer = models.scorer;
    const [open, stale] = await Promise.all([predictions.customersWithOpenInvoices(partition), predictions.staleCustomers(partition, scorer.modelVersion)]);
    const ids = [...new Set([...open, ...stale])];
    let scored = 0;
    for (let i = 0; i < ids.length; i += customersPerChunk) {
      if (cancelled()) return;
      const chunk = new Map(ids.slice(i, i + customersPerChunk).map((id) => [id, { trigger, minVersion: 0 }]));
      const chunkStarted = performance.now();
      scored += await this.underLock(partition, () => this.scoreChunk(chunk, scorer));
      const pause = ((performance.now() - chunkStarted) * (1 - sweepShare)) / sweepShare;
      if (pause >= 1 && i + customersPerChunk < ids.length) await new Promise((r) => setTimeout(r, pause));
    }
    const seconds = (performance.now() - started) / 1000;
    metrics.sweepSeconds.observe(seconds);
    if (scored > 0) logger.debug({ partition, customers: ids.length, scored, seconds, modelVersion: scorer.modelVersion }, 'partition swept');
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

  /** Records the partition's latest tick and asks for a sweep; under a backlog the days in between are superseded. */
  private handleTicks(messages: InboundMessage<BusinessDayTickEvent>[]): BatchOutcome<ScoringInput> {
    const rejected: NonNullable<BatchOutcome<ScoringInput>['rejected']> = [];
    let latest: InboundMessage<BusinessDayTickEvent> | null = null;
    for (const m of messages) {
      const check = applyTick(null, m.event, { topic: m.topic, partition: m.partition, offset: m.offset });
      if (check.rejection) rejected.push({ message: m, error: new PoisonMessageError(check.rejection.code, check.rejection.message) });
      else latest = m;
    }
    if (latest === null) return { rejected };
    this.updateClock(latest.partition, { _id: latest.partition, offset: latest.offset, businessDate: latest.event.payload.businessDate, tick: latest.event });
    this.sweeps.request(latest.partition, { eventId: latest.event.eventId, eventTime: latest.event.eventTime });
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
    const scorer = this.options.models.scorer;
    const ids = [...targets.keys()];
    for (let i = 0; i < ids.length; i += this.options.customersPerChunk) {
      const chunk = new Map(ids.slice(i, i + this.options.customersPerChunk).map((id) => [id, targets.get(id) as Target]));
      if ((await this.scoreChunk(chunk, scorer)) > 0) await context?.heartbeat();
    }
  }

  /** Scores one chunk of customers with `scorer`, writes and produces; returns how many customers it scored. */
  private async scoreChunk(targets: Map<string, Target>, scorer: Scorer): Promise<number> {
    const { featureStore, predictions, metrics, policy } = this.options;
    const scoringPolicy: ScoringPolicy = {
      minChange: policy.minChange,
      atRisk: policy.atRisk ?? scorer.thresholds.atRisk,
      highLateShare: policy.highLateShare ?? scorer.thresholds.highLateBalance,
      factors: policy.factors,
    };
    const chunk = [...targets.keys()];
    const previous = await predictions.load(chunk);
    // Without loading the state: already scored at (at least) this version, at the latest tick, with this model.
    const need = chunk.filter((id) => {
      const done = previous.get(id)?.scored;
      if (done === undefined || done.modelVersion !== scorer.modelVersion) return true;
      const clock = this.clocks.get(previous.get(id)?.partition ?? -1)?.businessDate ?? '';
      return done.customerVersion < (targets.get(id) as Target).minVersion || done.asOf < clock;
    });
    const states = await featureStore.load(need, { repair: false, openInvoicesOnly: true });
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
    if (write.documents.length === 0) return 0;
    await predictions.write(write);
    await this.produce(predicted, outlooks);
    metrics.customersScored.inc(write.documents.length);
    metrics.invoicesScored.inc(invoices);
    return write.documents.length;
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

