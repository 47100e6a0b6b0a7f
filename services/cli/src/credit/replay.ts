import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '@creditstream/config';
import { compareOutcomes, CREDIT_INPUTS, creditServiceSpec, outcomesOf, readRuleSetFile, replayPartition, type OrderDifference, type ReplayRecord, type WhatIfReport } from '@creditstream/credit-service';
import { readEventLog } from '@creditstream/feature-service';
import { createKafka, kafkaSecurityFromEnv, createProducer, ensureTopics } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, topic as topicSpec, type CreditDecisionEnvelope, type CreditWhatIfReportedEvent } from '@creditstream/schemas';
import { CliOptionError } from '../errors';
import type { Io } from '../io';
import { grouped } from '../commands/numbers';

type Environment = Record<string, string | undefined>;

const spec = {
  KAFKA_BROKERS: creditServiceSpec.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: creditServiceSpec.SCHEMA_REGISTRY_URL,
  CREDIT_FRAUD_CHECKS: creditServiceSpec.CREDIT_FRAUD_CHECKS,
  CREDIT_FRAUD_WAIT_MS: creditServiceSpec.CREDIT_FRAUD_WAIT_MS,
  CREDIT_FRAUD_WAIT_MAX_DAYS: creditServiceSpec.CREDIT_FRAUD_WAIT_MAX_DAYS,
  CREDIT_LIMIT_APPROVAL_THRESHOLD_MINOR: creditServiceSpec.CREDIT_LIMIT_APPROVAL_THRESHOLD_MINOR,
};

export interface CreditReplayOptions {
  rules: string;
  from?: string;
  to?: string;
  /** Folder of the CSV and HTML reports. */
  out: string;
  /** Publish the report to the what-if topic, where the insights API reads it. @default true */
  publish?: boolean;
  /** Who ran it (named by the published report). @default $USER */
  by?: string;
}

export interface CreditReplaySummary {
  report: WhatIfReport;
  /** Orders replayed per second of replay (in memory, reading excluded). */
  ordersPerSecond: number;
  csv: string;
  html: string;
  /** The published report's id, or null when not published. */
  reportId: string | null;
}

/** Order-level differences a published report carries (the CSV has them all). */
export const WHAT_IF_DIFFERENCES_PUBLISHED = 1000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `creditstream credit replay --rules CANDIDATE`: replays the retained history of the credit inputs through the
 * candidate rule set, in memory and without side effects, and compares its decisions with those on the decisions
 * topic: per rule the orders newly held and newly approved, the change in held value and hold time; the order-level
 * differences go to a CSV file and an HTML page.
 */
export async function runCreditReplay(o: CreditReplayOptions, io: Io, environment: Environment = process.env): Promise<CreditReplaySummary> {
  for (const [option, value] of [['from', o.from], ['to', o.to]] as const) if (value !== undefined && !DATE.test(value)) throw new CliOptionError(option, `--${option} ${JSON.stringify(value)} is not a date YYYY-MM-DD`);
  const candidate = readRuleSetFile(o.rules);
  const config = loadConfig(spec, environment);
  const prefix = environment.CREDITSTREAM_TOPIC_PREFIX ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'creditstream-credit-replay', security: kafkaSecurityFromEnv(environment) });
  const codec = new SchemaCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  const inputs = CREDIT_INPUTS.map(name);
  io.err(`reading the retained history of ${inputs.length} topics and the decisions made`);
  const log = await readEventLog(kafka, codec, inputs);
  const made = await readEventLog(kafka, codec, [name(TOPIC.creditDecisions)]);
  const records: ReplayRecord[] = log.map((e) => ({ topic: e.source.topic, partition: e.source.partition, offset: e.source.offset, event: e.event as ReplayRecord['event'] }));
  const partitions = [...new Set(records.map((r) => r.partition))].sort((a, b) => a - b);
  const started = performance.now();
  const replayed: CreditDecisionEnvelope[] = [];
  const options = {
    inputs,
    topics: { customers: name(TOPIC.customers), orders: name(TOPIC.orders), clock: name(TOPIC.clock), fraudChecks: name(TOPIC.fraudChecks), outlooks: name(TOPIC.customerOutlook), commands: name(TOPIC.creditCommands), rules: name(TOPIC.creditRules), decisions: name(TOPIC.creditDecisions), groupExposure: name(TOPIC.creditGroupExposure), groupPositions: name(TOPIC.creditGroupPositions) },
    ruleSet: candidate,
    fraud: { mode: config.CREDIT_FRAUD_CHECKS, marginMs: config.CREDIT_FRAUD_WAIT_MS, maxDays: config.CREDIT_FRAUD_WAIT_MAX_DAYS },
    approvalThresholdMinor: config.CREDIT_LIMIT_APPROVAL_THRESHOLD_MINOR,
  };
  for (const p of partitions) replayed.push(...replayPartition(p, records, options));
  const seconds = (performance.now() - started) / 1000;
  const candidateOutcomes = outcomesOf(replayed);
  const actual = outcomesOf(made.map((e) => e.event as unknown as CreditDecisionEnvelope));
  const end = records.reduce((m, r) => { const t = (r.event as { eventTime: string }).eventTime; return t > m ? t : m; }, '');
  const report = compareOutcomes(actual, candidateOutcomes, { ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), end });
  const ordersPerSecond = candidateOutcomes.size / Math.max(seconds, 1e-9);
  for (const line of summaryLines(report, candidate.version, actual.size)) io.out(line);
  io.out(`replayed ${grouped(records.length)} events (${grouped(candidateOutcomes.size)} orders) in ${seconds.toFixed(2)} s: ${grouped(ordersPerSecond)} orders/s`);
  fs.mkdirSync(o.out, { recursive: true });
  const csv = path.join(o.out, `credit-what-if-${candidate.version}.csv`);
  const html = path.join(o.out, `credit-what-if-${candidate.version}.html`);
  fs.writeFileSync(csv, toCsv(report.differences));
  fs.writeFileSync(html, toHtml(report, candidate.version));
  io.out(`order-level differences: ${csv} and ${html}`);
  let reportId: string | null = null;
  if (o.publish ?? true) {
    // The id names the candidate, the window and the history replayed: the same what-if of the same history is the same report.
    const history = createHash('sha256').update(JSON.stringify([candidate.sha256, o.from ?? null, o.to ?? null, records.length, log.length > 0 ? log[log.length - 1]?.source : null, made.length])).digest('hex').slice(0, 16);
    reportId = `what-if:${candidate.version}:${candidate.sha256.slice(0, 16)}:${history}`;
    const event: CreditWhatIfReportedEvent = {
      eventId: reportId,
      eventTime: end === '' ? new Date(0).toISOString() : end,
      customerId: '*',
      causationId: null,
      type: 'CreditWhatIfReported',
      payload: {
        reportId,
        ruleSetVersion: candidate.version,
        ruleSetSha256: candidate.sha256,
        ranBy: o.by ?? environment.USER ?? 'unknown',
        ranAt: new Date().toISOString(),
        from: o.from ?? null,
        to: o.to ?? null,
        eventsReplayed: records.length,
        decisionsMade: actual.size,
        ordersCompared: report.orders,
        actualHeld: report.actualHeld,
        candidateHeld: report.candidateHeld,
        heldValues: [...report.heldMinor].map(([currency, h]) => ({ currency, actualMinor: h.actual, candidateMinor: h.candidate })),
        meanHoldDaysActual: report.meanHoldDays.actual,
        meanHoldDaysCandidate: report.meanHoldDays.candidate,
        rules: report.rules.map((r) => ({ ...r })),
        differencesTotal: report.differences.length,
        differences: report.differences.slice(0, WHAT_IF_DIFFERENCES_PUBLISHED).map((d) => ({
          customerId: d.actual.customerId,
          orderId: d.actual.orderId,
          decidedAt: d.actual.decidedAt,
          amountMinor: d.actual.amountMinor,
          currency: d.actual.currency,
          change: d.change,
          actualDecision: d.actual.decision,
          actualRules: d.actual.rules,
          candidateDecision: d.candidate.decision,
          candidateRules: d.candidate.rules,
          actualHoldEndedAt: d.actual.holdEndedAt,
          candidateHoldEndedAt: d.candidate.holdEndedAt,
        })),
      },
    };
    const spec = { ...topicSpec(TOPIC.creditWhatIf), name: name(TOPIC.creditWhatIf) };
    await ensureTopics(kafka, [spec]);
    await codec.register(spec.name, loadSchema(TOPIC.creditWhatIf));
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    try {
      await producer.send(spec.name, [{ key: '*', event }]);
    } finally {
      await producer.disconnect();
    }
    io.out(`published report ${reportId} to ${spec.name} (the insights API lists it under /api/credit/what-if)`);
  }
  return { report, ordersPerSecond, csv, html, reportId };
}

function summaryLines(r: WhatIfReport, version: string, decided: number): string[] {
  const lines = [`what-if of rule set ${version} against the ${grouped(decided)} decisions made: ${grouped(r.orders)} orders compared; held ${grouped(r.actualHeld)} → ${grouped(r.candidateHeld)}; mean hold ${r.meanHoldDays.actual.toFixed(1)} → ${r.meanHoldDays.candidate.toFixed(1)} business days`];
  for (const [currency, h] of r.heldMinor) if (h.actual !== 0 || h.candidate !== 0) lines.push(`  held value ${currency}: ${grouped(h.actual)} → ${grouped(h.candidate)} (${h.candidate - h.actual >= 0 ? '+' : ''}${grouped(h.candidate - h.actual)} minor units)`);
  if (r.rules.length === 0) lines.push('  no order changes its outcome');
  for (const rule of r.rules) lines.push(`  rule ${rule.ruleId} (${rule.currency}): ${grouped(rule.newlyHeld)} newly held (${grouped(rule.newlyHeldMinor)}), ${grouped(rule.newlyApproved)} newly approved (${grouped(rule.newlyApprovedMinor)})`);
  return lines;
}

const csvCell = (s: string | number) => (/[",\n]/.test(String(s)) ? `"${String(s).replace(/"/g, '""')}"` : String(s));

function toCsv(differences: readonly OrderDifference[]): string {
  const head = ['customer_id', 'order_id', 'decided_at', 'amount_minor', 'currency', 'change', 'actual', 'actual_rules', 'candidate', 'candidate_rules', 'actual_hold_ended_at', 'candidate_hold_ended_at'];
  const rows = differences.map((d) => [d.actual.customerId, d.actual.orderId, d.actual.decidedAt, d.actual.amountMinor, d.actual.currency, d.change, d.actual.decision, d.actual.rules.join(' '), d.candidate.decision, d.candidate.rules.join(' '), d.actual.holdEndedAt ?? '', d.candidate.holdEndedAt ?? ''].map(csvCell).join(','));
  return `${[head.join(','), ...rows].join('\n')}\n`;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function toHtml(r: WhatIfReport, version: string): string {
  const ruleRows = r.rules.map((x) => `<tr><td>${escape(x.ruleId)}</td><td>${escape(x.currency)}</td><td>${x.newlyHeld}</td><td>${x.newlyHeldMinor}</td><td>${x.newlyApproved}</td><td>${x.newlyApprovedMinor}</td></tr>`).join('\n');
  const rows = r.differences.map((d) => `<tr class="${d.change}"><td>${escape(d.actual.customerId)}</td><td>${escape(d.actual.orderId)}</td><td>${escape(d.actual.decidedAt)}</td><td>${d.actual.amountMinor} ${escape(d.actual.currency)}</td><td>${d.change}</td><td>${d.actual.decision} ${escape(d.actual.rules.join(', '))}</td><td>${d.candidate.decision} ${escape(d.candidate.rules.join(', '))}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>creditstream what-if: rule set ${escape(version)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}.newly-held{background:#fde2e2}.newly-approved{background:#e2f5e2}</style></head>
<body><h1>What-if: rule set ${escape(version)}</h1>
<p>${r.orders} orders compared with the decisions made. Held: ${r.actualHeld} → ${r.candidateHeld}. Mean hold: ${r.meanHoldDays.actual.toFixed(1)} → ${r.meanHoldDays.candidate.toFixed(1)} business days.</p>
<h2>Per rule and currency</h2><table><tr><th>rule</th><th>currency</th><th>newly held</th><th>value (minor)</th><th>newly approved</th><th>value (minor)</th></tr>
${ruleRows}</table>
<h2>Orders whose outcome differs (${r.differences.length})</h2><table><tr><th>customer</th><th>order</th><th>decided at</th><th>amount</th><th>change</th><th>decided</th><th>candidate</th></tr>
${rows}</table></body></html>
`;
}
