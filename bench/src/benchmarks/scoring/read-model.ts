import type { Store } from '@creditstream/store';
import { percentile } from './latency';

interface Sample {
  customerId: string;
  version: number;
  sent: number;
  /** When each read model first showed the version (NaN until then). */
  features: number;
  predictions: number;
}

interface ViewSlot {
  views: { customerId: string; version?: number; scored?: { customerVersion?: number } | null }[];
}

/**
 * Read-model freshness: for sampled input events, the time from handing the event to the producer until its effect
 * is visible in the MongoDB read models as a reader sees them — the feature service's customer view at the version
 * that folded the event (`feature_state`) and the scoring service's predictions scored from that version
 * (`scoring_state`). Reads follow the commit points (task documents → the slot documents they name), as the
 * services' readers (FeatureStateReader.views, PredictionReader.customers) do, but fetch only the sampled customers'
 * ids and versions, so that polling does not load the database it measures.
 */
export class ReadModelLag {
  private readonly pending: Sample[] = [];
  private readonly done: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  polls = 0;

  constructor(
    private readonly store: Store,
    private readonly collections: { features: string; predictions: string },
    private readonly intervalMs: number,
  ) {}

  /** An input event whose features event (customer version `version`) has been received. */
  sample(customerId: string, version: number, sent: number): void {
    this.pending.push({ customerId, version, sent, features: NaN, predictions: NaN });
  }

  start(): void {
    const tick = () => {
      this.polling = this.poll().finally(() => {
        if (this.timer !== null) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  /** Keeps polling until every sample is visible or `timeoutMs` passed, then stops. */
  async finish(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.pending.length > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, this.intervalMs));
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
  }

  private async versions(collection: string, customers: string[], pick: (v: ViewSlot['views'][number]) => number | undefined): Promise<Map<string, number>> {
    const col = this.store.collection(collection);
    const tasks = await col.find({ kind: 'task' }, { projection: { slots: 1 } }).toArray();
    const ids = tasks.flatMap((t) => Object.values((t.slots ?? {}) as Record<string, string>));
    const out = new Map<string, number>();
    if (ids.length === 0) return out;
    const wanted = new Set(customers);
    const slots = (await col.find({ _id: { $in: ids } as never, 'views.customerId': { $in: customers } }, { projection: { 'views.customerId': 1, 'views.version': 1, 'views.scored.customerVersion': 1 } }).toArray()) as unknown as ViewSlot[];
    for (const s of slots) {
      for (const v of s.views) {
        if (!wanted.has(v.customerId)) continue;
        const version = pick(v);
        if (version !== undefined) out.set(v.customerId, Math.max(out.get(v.customerId) ?? -1, version));
      }
    }
    return out;
  }

  private async poll(): Promise<void> {
    if (this.pending.length === 0) return;
    this.polls++;
    const customers = [...new Set(this.pending.map((s) => s.customerId))];
    const [features, predictions] = await Promise.all([
      this.versions(this.collections.features, customers, (v) => v.version),
      this.versions(this.collections.predictions, customers, (v) => v.scored?.customerVersion),
    ]);
    // The visibility time is when the read returned: an upper bound, at most one poll interval late.
    const now = performance.now();
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const s = this.pending[i] as Sample;
      if (Number.isNaN(s.features) && (features.get(s.customerId) ?? -1) >= s.version) s.features = now;
      if (Number.isNaN(s.predictions) && (predictions.get(s.customerId) ?? -1) >= s.version) s.predictions = now;
      if (!Number.isNaN(s.features) && !Number.isNaN(s.predictions)) {
        this.done.push(s);
        this.pending.splice(i, 1);
      }
    }
  }

  /** Lag percentiles: to the feature read model, to the predictions read model, and to both (the later of the two). */
  summary(): { samples: number; unseen: number; featuresP50: number; featuresP99: number; predictionsP50: number; predictionsP99: number; bothP50: number; bothP99: number; bothMax: number } {
    const f = this.done.map((s) => s.features - s.sent).sort((a, b) => a - b);
    const p = this.done.map((s) => s.predictions - s.sent).sort((a, b) => a - b);
    // A sample never seen counts as infinitely late, so that it weighs on the percentiles instead of leaving them.
    const both = [...this.done.map((s) => Math.max(s.features, s.predictions) - s.sent), ...this.pending.map(() => Infinity)].sort((a, b) => a - b);
    return {
      samples: this.done.length,
      unseen: this.pending.length,
      featuresP50: percentile(f, 50),
      featuresP99: percentile(f, 99),
      predictionsP50: percentile(p, 50),
      predictionsP99: percentile(p, 99),
      bothP50: percentile(both, 50),
      bothP99: percentile(both, 99),
      bothMax: both[both.length - 1] ?? NaN,
    };
  }
}
