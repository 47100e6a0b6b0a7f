import { storedFeatureLogEntry } from '@creditstream/feature-service';
import type { CustomerFeaturesChangedEvent } from '@creditstream/schemas';
import type { Processor, ProcessorContext, Rejection, TaskRecord } from '@creditstream/streams';
import { COLLECTIONS, type CustomerPredictionsView, type ScoringValue } from './documents';
import type { ScoringMetrics } from './metrics';
import type { ModelHolder } from './model-holder';
import { scoreCustomer, upToDate, type ScoringPolicy, type Trigger } from './scoring/score-customer';
import { checkFeaturesChanged } from './validate';

/** Customers re-scored per turn of deferred work after a model swap. */
const RESCORE_CHUNK = 20;

export interface ScoringProcessorOptions {
  partition: number;
  models: ModelHolder;
  topics: { predictions: string; outlooks: string };
  /** Emission threshold; at-risk and high-late-balance thresholds override the model's when set. */
  policy: { minChange: number; atRisk: number | undefined; highLateShare: number | undefined; factors: number };
  metrics: ScoringMetrics;
}

/**
 * The scoring service's per-record logic, on one partition task. Each `customer features changed` carries the
 * customer's features and every open invoice's features, so the customer is re-scored from the event alone, in
 * memory: its open invoices are scored with the serving model and a prediction is produced for each that moved
 * (with its top factors), and the outlook when it changed. An event not newer than the customer's input is a
 * duplicate. After a model is published, {@link rescoreAll} re-scores every customer from its last input.
 */
export class ScoringProcessor implements Processor<CustomerFeaturesChangedEvent, ScoringValue> {
  /** Every change is marked (`put` or `touch`), so values may leave memory beyond the state budget. */
  readonly evictable = true;

  constructor(private readonly options: ScoringProcessorOptions) {}

  process(record: TaskRecord<CustomerFeaturesChangedEvent>, ctx: ProcessorContext<ScoringValue>): Rejection | void {
    const e = record.event;
    const bad = checkFeaturesChanged(e, record.key);
    if (bad) return bad;
    const known = ctx.store.get(e.customerId);
    if (known !== undefined && known.input.version >= e.payload.version) {
      this.options.metrics.customersSkipped.inc();
      return;
    }
    const p = e.payload;
    const input = { version: p.version, businessDate: p.businessDate, features: p.features, customerCurrency: p.currency, openInvoices: p.openInvoices, trigger: { eventId: e.eventId, eventTime: e.eventTime } };
    const value: ScoringValue = known ?? { input, scored: null, predictions: [], outlook: null };
    value.input = input;
    ctx.store.put(e.customerId, value);
    this.score(e.customerId, value, input.trigger, ctx);
  }

  view(customerId: string, value: ScoringValue): CustomerPredictionsView {
    return { customerId, partition: this.options.partition, scored: value.scored, outlook: value.outlook, atRiskInvoiceIds: value.predictions.filter((p) => p.atRisk).map((p) => p.invoiceId) };
  }

  /**
   * Re-scores, with the serving model, every customer of the task scored by another one, as deferred work in chunks
   * (between records, without blocking the event loop). The causation is the model's publication.
   */
  rescoreAll(ctx: ProcessorContext<ScoringValue>): void {
    const ids = [...ctx.store.keys()].sort();
    let i = 0;
    ctx.defer((c) => {
      const { models } = this.options;
      const modelVersion = models.scorer.modelVersion;
      const publication = models.active.publication;
      for (const end = Math.min(ids.length, i + RESCORE_CHUNK); i < end; i++) {
        const customerId = ids[i] as string;
        const value = c.store.get(customerId);
        if (value === undefined || upToDate(value, modelVersion)) continue;
        const trigger: Trigger = publication ? { eventId: publication.eventId, eventTime: publication.businessTime } : value.input.trigger;
        c.store.touch(customerId);
        this.score(customerId, value, trigger, c);
      }
      return i < ids.length;
    });
  }

  private score(customerId: string, value: ScoringValue, trigger: Trigger, ctx: ProcessorContext<ScoringValue>): void {
    const { models, policy, metrics, topics } = this.options;
    const scorer = models.scorer;
    const scoringPolicy: ScoringPolicy = {
      minChange: policy.minChange,
      atRisk: policy.atRisk ?? scorer.thresholds.atRisk,
      highLateShare: policy.highLateShare ?? scorer.thresholds.highLateBalance,
      factors: policy.factors,
    };
    const result = scoreCustomer(customerId, value, scorer, scoringPolicy, trigger);
    for (const event of result.predictions) ctx.forward(topics.predictions, customerId, event);
    if (result.outlook) ctx.forward(topics.outlooks, customerId, result.outlook);
    for (const entry of result.log) ctx.log(COLLECTIONS.scoredVectors, storedFeatureLogEntry(entry));
    metrics.customersScored.inc();
    metrics.invoicesScored.inc(result.invoices);
    metrics.predictionsEmitted.inc(result.predictions.length);
    for (const event of result.predictions) {
      const { predictedBucket, atRisk } = event.payload;
      metrics.predictions.inc({ bucket: predictedBucket.toLowerCase(), at_risk: String(atRisk) });
    }
    if (result.outlook) metrics.outlooksEmitted.inc();
  }
}
