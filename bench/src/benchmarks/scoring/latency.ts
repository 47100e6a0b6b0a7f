/** An input event handed to the producer, with what the benchmark's consumer saw of its consequences. */
export interface SentInput {
  readonly id: string;
  readonly customerId: string;
  readonly type: string;
  /** The stream phase it was sent in (`live`, `recovery-feature`, ...): figures are computed per phase. */
  readonly phase: string;
  /** performance.now() when handed to the producer. */
  readonly sent: number;
  /** Business date of a clock tick; null for business events. */
  readonly businessDate: string | null;
  /** Customer version of the `customer features changed` event it caused (business events); NaN until seen. */
  version: number;
  /** When that event was received; NaN until then. */
  featuresReceived: number;
  /** Ticks: `customer features changed` events caused and the open invoices they carry (re-scored by the sweep). */
  announced: number;
  openInvoices: number;
  /** When the first and last prediction or outlook event caused by it (through its features event) were received. */
  firstOutput: number;
  lastOutput: number;
  /** Received times of every prediction and outlook caused by it (ticks only: the sweep's latency distribution). */
  outputTimes: number[];
}

/** What the benchmark's consumer received on one partition of an output topic, with the input it traces back to. */
export interface TracedOutput {
  stage: 'features' | 'scoring';
  partition: number;
  root: SentInput;
  received: number;
}

/** The p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** The version in a features event id (`<customer>:features:<version>:<digest>`). */
export function featuresVersionOf(eventId: string): number {
  const at = eventId.lastIndexOf(':features:');
  return at < 0 ? NaN : Number.parseInt(eventId.slice(at + ':features:'.length), 10);
}

function sorted(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}

/**
 * Traces input events to the prediction and outlook events they cause, by causation: the feature service processes
 * records one at a time and names the input as the causation of the `customer features changed` event it produces
 * (id `<customer>:features:<version>:<digest>`), and the scoring service names that event as the causation of every
 * prediction and outlook of the re-scoring. A business-day tick causes one features event per customer with open
 * invoices (the sweep). Output topics are read concurrently, so an output read before its features event waits for it.
 */
export class LatencyTracker {
  private readonly inputs = new Map<string, SentInput>();
  private readonly featuresCause = new Map<string, SentInput>();
  private readonly early = new Map<string, { received: number; partition: number }[]>();
  private readonly listeners: ((o: TracedOutput) => void)[] = [];
  outputsSeen = 0;
  featuresSeen = 0;

  /** An input event handed to the producer at `sent` (performance.now()). */
  input(event: { eventId: string; customerId: string; type: string; payload?: unknown }, sent: number, phase: string): void {
    const businessDate = event.type === 'BusinessDayTick' ? ((event.payload as { businessDate: string }).businessDate ?? null) : null;
    this.inputs.set(event.eventId, { id: event.eventId, customerId: event.customerId, type: event.type, phase, sent, businessDate, version: NaN, featuresReceived: NaN, announced: 0, openInvoices: 0, firstOutput: NaN, lastOutput: NaN, outputTimes: [] });
  }

  /** Called for every traced output (features events and scoring outputs) as it is received. */
  onOutput(listener: (o: TracedOutput) => void): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  /** The input that caused a features event, once traced. */
  rootOf(featuresEventId: string): SentInput | undefined {
    return this.featuresCause.get(featuresEventId);
  }

  /** Whether an event id is a traced clock tick (its features events are decoded in full to count the sweep's invoices). */
  isTick(eventId: string | null): boolean {
    return eventId !== null && (this.inputs.get(eventId)?.businessDate ?? null) !== null;
  }

  /**
   * A `customer features changed` event received at `received`: its id (`<customer>:features:<version>:<digest>`), causation,
   * and (for a tick's) the number of open invoices it carries.
   */
  featuresChanged(event: { eventId: string; causationId: string | null; openInvoices?: number }, received: number, partition: number): void {
    this.featuresSeen++;
    const root = event.causationId === null ? undefined : this.inputs.get(event.causationId);
    if (root === undefined) return;
    this.featuresCause.set(event.eventId, root);
    if (root.businessDate !== null) {
      root.announced++;
      root.openInvoices += event.openInvoices ?? 0;
    } else if (Number.isNaN(root.featuresReceived)) {
      root.featuresReceived = received;
      root.version = featuresVersionOf(event.eventId);
    }
    for (const l of this.listeners) l({ stage: 'features', partition, root, received });
    const waiting = this.early.get(event.eventId);
    if (waiting) {
      this.early.delete(event.eventId);
      for (const w of waiting) this.answer(root, w.received, w.partition);
    }
  }

  /** A prediction or outlook event received at `received`. */
  output(event: { causationId: string | null }, received: number, partition: number): void {
    this.outputsSeen++;
    if (event.causationId === null) return;
    const root = this.featuresCause.get(event.causationId);
    if (root !== undefined) {
      this.answer(root, received, partition);
      return;
    }
    const list = this.early.get(event.causationId) ?? [];
    list.push({ received, partition });
    this.early.set(event.causationId, list);
  }

  private answer(root: SentInput, received: number, partition: number): void {
    if (Number.isNaN(root.firstOutput) || received < root.firstOutput) root.firstOutput = received;
    if (Number.isNaN(root.lastOutput) || received > root.lastOutput) root.lastOutput = received;
    if (root.businessDate !== null) root.outputTimes.push(received);
    for (const l of this.listeners) l({ stage: 'scoring', partition, root, received });
  }

  /** Every traced input of a phase. */
  of(phase: string): SentInput[] {
    return [...this.inputs.values()].filter((e) => e.phase === phase);
  }

  /**
   * The event path of a phase: input sent → first prediction or outlook it caused received (the inputs whose
   * re-scoring moved a probability by the emission threshold, or the outlook), and input → its features event.
   */
  eventPath(phase: string): { inputs: number; answered: number; announced: number; p50: number; p99: number; max: number; featuresP50: number; featuresP99: number; byType: string } {
    const events = this.of(phase).filter((e) => e.businessDate === null);
    const latencies: number[] = [];
    const features: number[] = [];
    const byType = new Map<string, { inputs: number; latencies: number[] }>();
    for (const e of events) {
      const t = byType.get(e.type) ?? { inputs: 0, latencies: [] };
      byType.set(e.type, t);
      t.inputs++;
      if (!Number.isNaN(e.featuresReceived)) features.push(e.featuresReceived - e.sent);
      if (Number.isNaN(e.firstOutput)) continue;
      latencies.push(e.firstOutput - e.sent);
      t.latencies.push(e.firstOutput - e.sent);
    }
    sorted(latencies);
    sorted(features);
    const breakdown = [...byType]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, t]) => {
        const s = sorted(t.latencies);
        return s.length === 0 ? `${type} 0 of ${t.inputs} answered` : `${type} ${s.length} of ${t.inputs} answered, p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms`;
      })
      .join('; ');
    return { inputs: events.length, answered: latencies.length, announced: features.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN, featuresP50: percentile(features, 50), featuresP99: percentile(features, 99), byType: breakdown };
  }

  /**
   * The business-day sweeps of a phase, one per business day (a tick to each partition): open invoices re-scored
   * (carried by the features events the ticks caused), first tick sent → last prediction or outlook of that day's
   * sweep received, and the latency of each of the sweep's outputs from its tick.
   */
  sweeps(phase: string): { days: { businessDate: string; ticks: number; customers: number; invoices: number; seconds: number; invoicesPerSecond: number }[]; outputP50: number; outputP99: number } {
    const byDay = new Map<string, SentInput[]>();
    for (const e of this.of(phase)) {
      if (e.businessDate === null) continue;
      const list = byDay.get(e.businessDate) ?? [];
      list.push(e);
      byDay.set(e.businessDate, list);
    }
    const days = [];
    const outputs: number[] = [];
    for (const [businessDate, ticks] of [...byDay].sort(([a], [b]) => a.localeCompare(b))) {
      const start = Math.min(...ticks.map((t) => t.sent));
      const answered = ticks.filter((t) => !Number.isNaN(t.lastOutput));
      for (const t of ticks) for (const r of t.outputTimes) outputs.push(r - t.sent);
      if (answered.length === 0) continue;
      const end = Math.max(...answered.map((t) => t.lastOutput));
      const invoices = ticks.reduce((n, t) => n + t.openInvoices, 0);
      const seconds = (end - start) / 1000;
      days.push({ businessDate, ticks: ticks.length, customers: ticks.reduce((n, t) => n + t.announced, 0), invoices, seconds, invoicesPerSecond: invoices / seconds });
    }
    sorted(outputs);
    return { days, outputP50: percentile(outputs, 50), outputP99: percentile(outputs, 99) };
  }
}
