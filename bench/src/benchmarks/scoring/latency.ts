import type { CustomerFeaturesChangedEvent } from '@creditstream/schemas';

interface SentInput {
  readonly id: string;
  readonly customerId: string;
  readonly type: string;
  readonly sent: number;
  /** The features-changed version that folded it (ticks: 0, matched by causation instead). */
  version: number;
  /** When the first output reflecting it was received, and the last output of that same scoring; NaN until then. */
  firstOutput: number;
  lastOutput: number;
  /** The customer version of the output that answered it. */
  answeredAt: number;
  /** When the features-changed event that folded it was received; NaN for ticks. */
  folded: number;
}

/** The p-th percentile (0..100) of sorted values, nearest rank. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** The customer version in a prediction or outlook event id (`…:<version>:<asOf>`). */
function versionOfOutput(eventId: string): number {
  const parts = eventId.split(':');
  return Number(parts[parts.length - 2]);
}

/**
 * Traces input events to the first prediction or outlook event that reflects them. The feature service folds a batch
 * and names the last input of each customer as the causation of its `customer features changed` event, whose version
 * then covers every input of that customer and topic sent up to it. A scoring output's id carries the customer
 * version it was computed from, so an input is reflected by the first output of its customer at that version or a
 * later one (when the scoring service reads several features-changed events of a customer in one batch it scores the
 * latest state once). A clock tick is traced by causation: the scoring service names the tick.
 */
export class LatencyTracker {
  private readonly inputs = new Map<string, SentInput & { key: string }>();
  private readonly pending = new Map<string, SentInput[]>();
  private readonly unanswered = new Map<string, SentInput[]>();
  private readonly outputsOf = new Map<string, { version: number; received: number }[]>();
  outputsSeen = 0;

  /** An input event handed to the producer at `sent` (performance.now()). */
  input(event: { eventId: string; customerId: string; type: string }, topic: string, sent: number): void {
    const key = `${event.customerId}|${topic}`;
    const entry = { id: event.eventId, customerId: event.customerId, type: event.type, sent, version: 0, firstOutput: NaN, lastOutput: NaN, answeredAt: NaN, folded: NaN, key };
    this.inputs.set(event.eventId, entry);
    if (event.type === 'BusinessDayTick') return;
    let list = this.pending.get(key);
    if (!list) {
      list = [];
      this.pending.set(key, list);
    }
    list.push(entry);
  }

  featuresChanged(event: CustomerFeaturesChangedEvent, received: number): void {
    const cause = event.causationId === null ? undefined : this.inputs.get(event.causationId);
    if (cause === undefined) return;
    const list = this.pending.get(cause.key) ?? [];
    const upTo = list.findIndex((e) => e.id === cause.id);
    const folded = upTo < 0 ? [] : list.splice(0, upTo + 1);
    let waiting = this.unanswered.get(event.customerId);
    if (!waiting) {
      waiting = [];
      this.unanswered.set(event.customerId, waiting);
    }
    for (const e of folded) {
      e.version = event.payload.version;
      e.folded = received;
      waiting.push(e);
    }
    // Topics are read concurrently: an output may have been read before the features-changed event it answers.
    for (const o of this.outputsOf.get(event.customerId) ?? []) this.answer(event.customerId, o.version, o.received);
  }

  /** A prediction or outlook event received at `received`. */
  output(event: { eventId: string; customerId: string; causationId: string | null }, received: number): void {
    this.outputsSeen++;
    const tick = event.causationId === null ? undefined : this.inputs.get(event.causationId);
    if (tick !== undefined && tick.type === 'BusinessDayTick') {
      if (Number.isNaN(tick.firstOutput)) tick.firstOutput = received;
      tick.lastOutput = Math.max(Number.isNaN(tick.lastOutput) ? received : tick.lastOutput, received);
      return;
    }
    const version = versionOfOutput(event.eventId);
    let seen = this.outputsOf.get(event.customerId);
    if (!seen) {
      seen = [];
      this.outputsOf.set(event.customerId, seen);
    }
    seen.push({ version, received });
    this.answer(event.customerId, version, received);
  }

  private answer(customerId: string, version: number, received: number): void {
    for (const e of this.unanswered.get(customerId) ?? []) {
      if (e.version > version) continue;
      if (Number.isNaN(e.firstOutput) || received < e.firstOutput) {
        e.firstOutput = received;
        e.answeredAt = version;
      }
      if (version === e.answeredAt) e.lastOutput = Number.isNaN(e.lastOutput) ? received : Math.max(e.lastOutput, received);
    }
  }

  /** The input with this event id, with when its first and last outputs arrived. */
  traced(eventId: string): { sent: number; firstOutput: number; lastOutput: number } | undefined {
    return this.inputs.get(eventId);
  }

  /**
   * Latency percentiles over the business events (every input but clock ticks) that an output reflects, the same over
   * the events answered by an output of exactly their version (an input that moved no probability is otherwise
   * answered by its customer's next output, which a later input may have caused), the feature service's part, the
   * clock ticks (first and last output of their sweep) and a breakdown by input type.
   */
  summary(): {
    inputs: number;
    events: { inputs: number; samples: number; p50: number; p99: number };
    exact: { samples: number; p50: number; p99: number };
    featureStage: { p50: number; p99: number };
    ticks: { inputs: number; samples: number; firstP50: number; firstP99: number; lastP50: number; lastP99: number };
    byType: string;
  } {
    const events: number[] = [];
    const exact: number[] = [];
    const featureStage: number[] = [];
    const tickFirst: number[] = [];
    const tickLast: number[] = [];
    let eventInputs = 0;
    let tickInputs = 0;
    const byType = new Map<string, { inputs: number; latencies: number[] }>();
    for (const e of this.inputs.values()) {
      const t = byType.get(e.type) ?? { inputs: 0, latencies: [] };
      byType.set(e.type, t);
      t.inputs++;
      const tick = e.type === 'BusinessDayTick';
      if (tick) tickInputs++;
      else eventInputs++;
      if (Number.isNaN(e.firstOutput)) continue;
      const ms = e.firstOutput - e.sent;
      t.latencies.push(ms);
      if (tick) {
        tickFirst.push(ms);
        tickLast.push(e.lastOutput - e.sent);
        continue;
      }
      events.push(ms);
      if (!Number.isNaN(e.folded)) featureStage.push(e.folded - e.sent);
      if (e.answeredAt === e.version) exact.push(ms);
    }
    for (const list of [events, exact, featureStage, tickFirst, tickLast]) list.sort((a, b) => a - b);
    const breakdown = [...byType]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, t]) => {
        const s = t.latencies.sort((a, b) => a - b);
        return s.length === 0 ? `${type} 0 of ${t.inputs}` : `${type} ${s.length} of ${t.inputs}, p50 ${percentile(s, 50).toFixed(0)} ms, p99 ${percentile(s, 99).toFixed(0)} ms`;
      })
      .join('; ');
    return {
      inputs: this.inputs.size,
      events: { inputs: eventInputs, samples: events.length, p50: percentile(events, 50), p99: percentile(events, 99) },
      exact: { samples: exact.length, p50: percentile(exact, 50), p99: percentile(exact, 99) },
      featureStage: { p50: percentile(featureStage, 50), p99: percentile(featureStage, 99) },
      ticks: { inputs: tickInputs, samples: tickFirst.length, firstP50: percentile(tickFirst, 50), firstP99: percentile(tickFirst, 99), lastP50: percentile(tickLast, 50), lastP99: percentile(tickLast, 99) },
      byType: breakdown,
    };
  }
}
