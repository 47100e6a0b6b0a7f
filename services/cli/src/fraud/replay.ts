import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '@creditstream/config';
import { readEventLog } from '@creditstream/feature-service';
import { compareRuns, evaluateChecks, FRAUD_INPUTS, fraudServiceSpec, initialRules, initialRuleSet, replayAll, SIGNAL_CODES, type FraudEvaluation, type FraudInputEvent, type ReplayedCheck, type ReplayRecord, type WhatIf } from '@creditstream/fraud-service';
import { createKafka, kafkaSecurityFromEnv } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { TOPIC, type FraudCheckEvent } from '@creditstream/schemas';
import { grouped } from '../commands/numbers';
import { CliOptionError } from '../errors';
import type { Io } from '../io';
import { readFraudTruth } from '../truth/read-truth';
import { readFraudRuleSet } from './rules';

type Environment = Record<string, string | undefined>;

const spec = {
  KAFKA_BROKERS: fraudServiceSpec.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: fraudServiceSpec.SCHEMA_REGISTRY_URL,
  FRAUD_DEFAULT_RULES: fraudServiceSpec.FRAUD_DEFAULT_RULES,
};

export interface FraudReplayOptions {
  /** The candidate rule set (JSON or YAML). */
  rules: string;
  /** Compare orders placed on or after this date (YYYY-MM-DD). */
  from?: string;
  /** Compare orders placed on or before this date. */
  to?: string;
  /** Folder of the CSV of the orders that change outcome. */
  out: string;
  /** The simulator's ground truth (NDJSON): also evaluate both runs against its fraudulent orders. */
  truth?: string;
}

export interface FraudReplaySummary {
  whatIf: WhatIf;
  /** Checks on the checks topic that the baseline recomputed identically, and those it did not. */
  made: { checks: number; identical: number; different: number };
  evaluation: { baseline: FraudEvaluation; candidate: FraudEvaluation } | null;
  ordersPerSecond: number;
  csv: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : '–');
const fixed = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/**
 * `creditstream fraud replay --rules CANDIDATE`: replays the retained history of the fraud inputs through the
 * candidate rule set (in force throughout), in memory and without side effects, beside the baseline (the rule sets
 * as published, applied from their business time, as the service does), and prints per signal the orders whose
 * outcome would change; the changed orders go to a CSV file. The baseline is checked against the checks actually
 * made (the fraud checks topic): a replay must recompute them identically.
 */
export async function runFraudReplay(o: FraudReplayOptions, io: Io, environment: Environment = process.env): Promise<FraudReplaySummary> {
  for (const [option, value] of [['from', o.from], ['to', o.to]] as const) if (value !== undefined && !DATE.test(value)) throw new CliOptionError(option, `--${option} ${JSON.stringify(value)} is not a date YYYY-MM-DD`);
  const candidateRules = readFraudRuleSet(o.rules);
  const config = loadConfig(spec, environment);
  const truth = o.truth === undefined ? null : new Set((await readFraudTruth(o.truth)).keys());
  const prefix = environment.CREDITSTREAM_TOPIC_PREFIX ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'creditstream-fraud-replay', security: kafkaSecurityFromEnv(environment) });
  const codec = new SchemaCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  io.err(`reading the retained history of ${FRAUD_INPUTS.length} topics and the checks made`);
  const log = await readEventLog(kafka, codec, FRAUD_INPUTS.map(name));
  const made = await readEventLog(kafka, codec, [name(TOPIC.fraudChecks)]);
  const records: ReplayRecord[] = log.map((e) => ({ topic: e.source.topic, partition: e.source.partition, offset: e.source.offset, event: e.event as FraudInputEvent }));
  const topics = { rules: name(TOPIC.fraudRules), customers: name(TOPIC.customers), invoices: name(TOPIC.invoices), payments: name(TOPIC.payments), orders: name(TOPIC.orders), clock: name(TOPIC.clock), checks: name(TOPIC.fraudChecks) };
  const started = performance.now();
  const baseline = replayAll(records, { topics, initial: initialRules(config.FRAUD_DEFAULT_RULES) });
  const candidate = replayAll(records, { topics, initial: initialRuleSet(candidateRules), ignorePublished: true });
  const seconds = (performance.now() - started) / 1000;
  const ordersPerSecond = (baseline.length + candidate.length) / Math.max(seconds, 1e-6);

  const madeById = new Map(made.map(({ event }) => [event.eventId, (event as unknown as FraudCheckEvent).payload]));
  let identical = 0;
  let different = 0;
  for (const b of baseline) {
    const m = madeById.get(b.eventId);
    if (m === undefined) continue;
    if (JSON.stringify(m) === JSON.stringify(b.check)) identical += 1;
    else different += 1;
  }
  const from = o.from === undefined ? -Infinity : Date.parse(`${o.from}T00:00:00.000Z`);
  const to = o.to === undefined ? Infinity : Date.parse(`${o.to}T00:00:00.000Z`) + 86_400_000;
  const include = (c: ReplayedCheck) => c.time >= from && c.time < to;
  const whatIf = compareRuns(baseline, candidate, include);

  io.out(`replayed ${grouped(baseline.length)} orders twice in ${seconds.toFixed(1)} s (${grouped(Math.round(ordersPerSecond))} orders/s); compared ${grouped(whatIf.orders)} orders${o.from || o.to ? ` placed ${o.from ?? '…'} to ${o.to ?? '…'}` : ''}`);
  io.out(`the checks made: ${grouped(made.length)}; recomputed identically by the baseline: ${grouped(identical)}${different > 0 ? `, DIFFERENT: ${grouped(different)}` : ''}`);
  io.out(`baseline (rule sets as published): ${grouped(whatIf.baselineReviews)} reviews (${pct(whatIf.baselineReviews / whatIf.orders)} of orders)`);
  io.out(`candidate ${candidateRules.version}: ${grouped(whatIf.candidateReviews)} reviews (${pct(whatIf.candidateReviews / whatIf.orders)} of orders); ${grouped(whatIf.changes.filter((c) => c.candidate.outcome === 'REVIEW').length)} orders newly reviewed, ${grouped(whatIf.changes.filter((c) => c.candidate.outcome === 'CLEAR').length)} newly cleared`);
  io.out('');
  io.out(`${'signal'.padEnd(26)} ${'newly REVIEW'.padStart(12)} ${'newly CLEAR'.padStart(12)} ${'fired (baseline)'.padStart(17)} ${'fired (candidate)'.padStart(18)}`);
  for (const code of [...SIGNAL_CODES, 'review-threshold'] as const) {
    const s = whatIf.perSignal[code];
    io.out(`${code.padEnd(26)} ${grouped(s.newlyReviewed).padStart(12)} ${grouped(s.newlyCleared).padStart(12)} ${grouped(s.baseline).padStart(17)} ${grouped(s.candidate).padStart(18)}`);
  }
  let evaluation: FraudReplaySummary['evaluation'] = null;
  if (truth !== null) {
    const scored = (runs: ReplayedCheck[]) => runs.filter(include).map((c) => ({ customerId: c.customerId, orderId: c.check.orderId, score: c.check.score, review: c.check.outcome === 'REVIEW' }));
    evaluation = { baseline: evaluateChecks(scored(baseline), truth), candidate: evaluateChecks(scored(candidate), truth) };
    io.out('');
    io.out(`against the ground truth (${grouped(evaluation.baseline.fraudulent)} fraudulent orders):`);
    for (const [label, e] of Object.entries(evaluation)) io.out(`  ${label.padEnd(9)} recall ${fixed(e.recall)}  precision ${fixed(e.precision)}  review rate ${pct(e.reviewRate)}  PR AUC ${fixed(e.prAuc)}`);
  }
  fs.mkdirSync(o.out, { recursive: true });
  const csv = path.join(o.out, `fraud-what-if-${candidateRules.version}.csv`);
  const lines = ['customer_id,order_id,order_time,baseline_outcome,baseline_score,baseline_rule_set,candidate_outcome,candidate_score,driver,baseline_signals,candidate_signals'];
  for (const c of whatIf.changes) {
    lines.push([c.customerId, c.orderId, new Date(c.time).toISOString(), c.baseline.outcome, String(c.baseline.score), c.baseline.ruleSetVersion, c.candidate.outcome, String(c.candidate.score), c.driver, c.baseline.reasons.map((r) => r.code).join(' '), c.candidate.reasons.map((r) => r.code).join(' ')].map(csvCell).join(','));
  }
  fs.writeFileSync(csv, `${lines.join('\n')}\n`);
  io.out('');
  io.out(`wrote the ${grouped(whatIf.changes.length)} orders that change outcome to ${csv}`);
  return { whatIf, made: { checks: made.length, identical, different }, evaluation, ordersPerSecond, csv };
}
