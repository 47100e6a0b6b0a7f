import { p99, PREDICTION_FREE_POLICY, runChaos, type ChaosReport } from '@creditstream/test';
import type { Benchmark } from '../benchmark';
import type { Figure } from '../results';

/** The median (nearest rank) of `values`, or 0 when empty. */
function p50(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.5 * sorted.length) - 1)] as number;
}

/** Orders without a decision or a fraud check, and collection actions an uninterrupted run has and the pipeline lacks. */
export function eventsLost(r: ChaosReport): number {
  return r.ordersWithoutDecision.length + r.ordersWithoutFraudCheck.length + r.collectionActions.missing.length;
}

/**
 * The longer version of the chaos e2e test (`test/src/chaos/harness.ts`): every service twice on a private Kafka
 * broker and MongoDB, a simulated history and then a live stream, SIGKILLs at seeded random moments for as long as
 * the live stream runs, one broker restart (SIGKILL) and one database restart (SIGTERM).
 */
export const chaos: Benchmark = {
  name: 'chaos',
  description: 'the whole pipeline (5 services × 2) under SIGKILLs, a broker and a database restart: kills survived, recovery p99, events lost',
  async run(ctx) {
    const customers = ctx.argInt('customers', 120);
    const historyDays = ctx.argInt('history-days', 120);
    const liveDays = ctx.argInt('live-days', 60);
    const liveRate = ctx.argInt('rate', 40);
    const kills = ctx.argInt('kills', 40);
    // The built-in collection policy, as the e2e test; --prediction-free-policy runs PREDICTION_FREE_POLICY (no
    // collections started from predictions, no write-off proposals) for comparison.
    const builtinPolicy = !ctx.argFlag('prediction-free-policy', false);
    const r = await runChaos({
      seed: ctx.argInt('seed', 1),
      customers,
      historyDays,
      liveDays,
      liveRate,
      kills,
      maxKills: ctx.argInt('max-kills', 120),
      killDelayMs: [2_000, 6_000],
      kafkaRestartAfterKill: Math.ceil(kills / 3),
      mongoRestartAfterKill: Math.ceil((2 * kills) / 3),
      registryUrl: ctx.stack.schemaRegistryUrl,
      ...(builtinPolicy ? {} : { collectionsPolicy: PREDICTION_FREE_POLICY }),
      settleTimeoutMs: 300_000,
      serviceLogLevel: 'error',
      log: ctx.log,
    });
    const recovered = r.kills.flatMap((k) => (k.recoveryMs === null ? [] : [k.recoveryMs]));
    const conflicts = Object.values(r.conflictingDuplicates).reduce((n, ids) => n + ids.length, 0);
    const figures: Record<string, Figure> = {
      kills: { value: r.kills.length, unit: 'SIGKILLs' },
      kills_survived: { value: recovered.length + r.kills.filter((k) => k.superseded).length, unit: 'SIGKILLs', goal: `= kills (${r.kills.length})` },
      kills_superseded: { value: r.kills.filter((k) => k.superseded).length, unit: 'SIGKILLs' },
      recovery_p99_ms: { value: p99(recovered), unit: 'ms' },
      recovery_p50_ms: { value: p50(recovered), unit: 'ms' },
      events_lost: { value: eventsLost(r), unit: 'events', goal: '0' },
      conflicting_duplicates: { value: conflicts, unit: 'events', goal: '0' },
      orders_with_several_decisions: { value: r.ordersWithSeveralDecisions.length, unit: 'orders', goal: '0' },
      collection_actions_differing: { value: r.collectionActions.differing.length + r.collectionActions.unexpected.length, unit: 'actions', goal: '0' },
      feature_differences: { value: r.featureDifferences, unit: 'customers', goal: '0' },
      dead_letters: { value: Object.values(r.deadLetters).reduce((a, b) => a + b, 0), unit: 'messages', goal: '0' },
      lagging_partitions: { value: r.lag.length, unit: 'partitions', goal: '0' },
      unexpected_exits: { value: r.unexpectedExits.length, unit: 'processes', goal: '0' },
      broker_down_ms: { value: r.kafkaDownMs, unit: 'ms' },
      database_down_ms: { value: r.mongoDownMs, unit: 'ms' },
      settle_ms: { value: r.settleMs, unit: 'ms' },
      events: { value: r.events, unit: 'events' },
      orders: { value: r.orders, unit: 'orders' },
    };
    const perService = new Map<string, number>();
    for (const k of r.kills) perService.set(k.service, (perService.get(k.service) ?? 0) + 1);
    return {
      figures,
      notes: [
        `${customers} customers: ${historyDays} business days of history replayed, then ${liveDays} live ones at ${liveRate} events/s (${r.liveSeconds.toFixed(0)} s of simulation in all); 5 services × 2 processes on a private Kafka broker and MongoDB; a SIGKILL every 2–6 s (seeded) while the live stream ran, each killed process replaced at once.`,
        `Kills per service: ${[...perService].map(([s, n]) => `${s} ${n}`).join(', ')}. Recovery: kill → its replacement processed a record, or its group caught up; a replacement killed again before that (superseded) counts as survived by the later kill's recovery and is left out of the percentiles.`,
        `events_lost: orders without a credit decision (${r.ordersWithoutDecision.length}) or without a fraud check (${r.ordersWithoutFraudCheck.length}), and collection actions an uninterrupted run of the collections processor over the same inputs issues that the pipeline did not (${r.collectionActions.missing.length}).`,
        builtinPolicy
          ? `The built-in collection policy (as the e2e test): collections started from predictions (decided from the prediction alone) and write-off proposals (in the daily run, whose tick waits for the scoring service's progress); ${r.collectionActions.missing.length} missing, ${r.collectionActions.unexpected.length} unexpected, ${r.collectionActions.differing.length} differing of ${r.collectionActions.expected} expected.`
          : 'Collection policy (--prediction-free-policy): the built-in one without collections started from predictions and without write-off proposals.',
        `Conflicting duplicates (one event id, two contents) by topic: ${JSON.stringify(Object.fromEntries(Object.entries(r.conflictingDuplicates).map(([t, ids]) => [t, ids.length])))}.`,
        ...r.conflictExamples.map((e) => `Conflict on ${e.topic}: first ${e.first}; then ${e.second}`),
        `Processes that exited on their own (restarted by the harness): ${r.unexpectedExits.map((e) => `${e.service}#${e.instance} (${e.exit})`).join(', ') || 'none'}.`,
      ],
    };
  },
};
