/**
 * The whole pipeline under faults: the feature, scoring, credit, fraud and collections services, two processes
 * each, on a private Kafka broker and a private MongoDB (so a restart of either never touches the shared stack),
 * fed a simulated history and then a paced live stream, while SIGKILLs land at seeded random moments and the broker
 * and the database are restarted once each. Afterwards it reads what the pipeline produced and reports every
 * way it could have gone wrong. Used by the chaos e2e test (asserts) and `npm run bench -- chaos` (figures).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFeaturesVerify, runPolicyPublish, runSimulate } from '@creditstream/cli';
import { COLLECTIONS_INPUTS, DEFAULT_POLICY, simulateHistory, type HistoryRecord, type InputKind } from '@creditstream/collections-service';
import { CREDIT_INPUTS } from '@creditstream/credit-service';
import { FEATURE_INPUTS } from '@creditstream/feature-service';
import { FRAUD_INPUTS } from '@creditstream/fraud-service';
import { createKafka, ensureTopics, type Kafka } from '@creditstream/kafka';
import type { Admin } from 'kafkajs';
import { startPrivateServer, type PrivateServer } from '@creditstream/local-stack';
import { SchemaCodec } from '@creditstream/schema';
import { SCORING_INPUTS } from '@creditstream/scoring-service';
import { TOPIC, topic as topicSpec, type CollectionActionEnvelope, type CreditDecisionEnvelope, type FraudCheckEnvelope, type OrderEnvelope } from '@creditstream/schemas';
import { prng, REPO_ROOT, uniqueName, waitFor } from '@creditstream/testing';
import { readTopic, scanTopic, spawnService } from '../e2e/pipeline';

/** One service of the pipeline as the harness runs it. */
interface ServiceSpec {
  name: 'feature' | 'scoring' | 'credit' | 'fraud' | 'collections';
  /** Prefix of its streams settings (`<PREFIX>_GROUP_ID`, …). */
  envPrefix: string;
  inputs: readonly string[];
}

export const CHAOS_SERVICES: readonly ServiceSpec[] = [
  { name: 'feature', envPrefix: 'FEATURE_SERVICE', inputs: FEATURE_INPUTS },
  { name: 'scoring', envPrefix: 'SCORING_SERVICE', inputs: SCORING_INPUTS },
  { name: 'fraud', envPrefix: 'FRAUD_SERVICE', inputs: FRAUD_INPUTS },
  { name: 'credit', envPrefix: 'CREDIT_SERVICE', inputs: CREDIT_INPUTS },
  { name: 'collections', envPrefix: 'COLLECTIONS_SERVICE', inputs: COLLECTIONS_INPUTS.map(([t]) => t) },
];

/**
 * The built-in collection policy without collections started from predictions and without write-off proposals: both
 * read the latest prediction at the moment it is processed, and a live pipeline delivers a prediction after the
 * events of the same business time, which a replay (and so the uninterrupted run) takes before them; those actions
 * differ from an uninterrupted run without any fault.
 */
export const PREDICTION_FREE_POLICY = { ...DEFAULT_POLICY, policyId: 'chaos', version: '1', effectiveFrom: '2023-12-01', prediction: { threshold: 0.000001, hysteresis: 0 }, writeOff: { ...DEFAULT_POLICY.writeOff, minDaysOverdue: 3650 } };

export interface ChaosOptions {
  seed: number;
  customers: number;
  /** Business days (the simulator's days: weekdays) written as fast as possible (the replay). */
  historyDays: number;
  /** Business days after them, paced at `liveRate` (the live stream). */
  liveDays: number;
  /** Events per second of the live stream. */
  liveRate: number;
  /** SIGKILLs at least (more while the live stream still runs, up to `maxKills`). */
  kills: number;
  maxKills: number;
  /** A seeded random delay in [min, max) ms before each kill. */
  killDelayMs: readonly [number, number];
  /** The broker is restarted (SIGKILL, then started again) right after this kill; the database (SIGTERM) after that one. */
  kafkaRestartAfterKill: number;
  mongoRestartAfterKill: number;
  /** The shared schema registry (subjects are per topic; the topic prefix keeps them apart). */
  registryUrl: string;
  /** Longest wait for every group to catch up at the end. */
  settleTimeoutMs: number;
  /**
   * A collection policy to publish before the history (JSON, as `creditstream collections policy publish` takes it);
   * unset: the built-in one.
   */
  collectionsPolicy?: object;
  /** LOG_LEVEL of the service processes. @default 'error' */
  serviceLogLevel?: string;
  log(line: string): void;
}

export interface KillRecord {
  service: string;
  instance: number;
  /** ms since the run started. */
  at: number;
  /**
   * Kill → the replacement processed a record, or the group caught up; null when neither happened within 3 minutes,
   * or when the replacement was killed first (then `superseded`).
   */
  recoveryMs: number | null;
  /** The replacement was killed before it recovered: the next kill's recovery covers it. */
  superseded: boolean;
}

export interface ChaosReport {
  events: number;
  liveSeconds: number;
  kills: KillRecord[];
  /** Exits the harness did not cause (each was restarted). */
  unexpectedExits: { service: string; instance: number; exit: string; errors: string[] }[];
  kafkaDownMs: number;
  mongoDownMs: number;
  settleMs: number;
  orders: number;
  ordersWithoutDecision: string[];
  ordersWithSeveralDecisions: string[];
  ordersWithoutFraudCheck: string[];
  ordersWithSeveralFraudChecks: string[];
  /** Event ids seen twice with different content, per output topic. */
  conflictingDuplicates: Record<string, string[]>;
  /** The first few conflicts, both contents, for the report. */
  conflictExamples: { topic: string; first: string; second: string }[];
  collectionActions: { expected: number; produced: number; missing: string[]; unexpected: string[]; differing: string[]; examples: { expected?: string; produced?: string }[] };
  featureDifferences: number;
  featureVerifyOutput: string[];
  deadLetters: Record<string, number>;
  /** `group topic[partition]: committed < end` for every partition a group left behind. */
  lag: string[];
}

/** JSON with sorted keys: an event's content, whatever order its fields were set in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

const MAIN = (service: string) => join(REPO_ROOT, 'services', `${service}-service`, 'dist', 'src', 'main.js');

interface Instance {
  service: ServiceSpec;
  index: number;
  run: ReturnType<typeof spawnService>;
  /** Set by the harness before it kills or stops the process. */
  expectedExit: boolean;
  /** Whether it has announced its /metrics address yet. */
  announced: boolean;
}

/** The 99th percentile (nearest rank) of `values`, or 0 when empty. */
export function p99(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] as number;
}

/** Every partition of `topics` whose committed offset in `groupId` is below its end. */
async function lagOf(admin: Admin, groupId: string, topics: readonly string[]): Promise<string[]> {
  const behind: string[] = [];
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const end of ends) {
      const c = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      if (Number(end.high) > 0 && c < Number(end.high)) behind.push(`${groupId} ${topic}[${end.partition}]: ${Math.max(c, 0)} < ${end.high}`);
    }
  }
  return behind;
}

async function endOffsets(admin: Admin, topics: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const topic of topics) for (const o of await admin.fetchTopicOffsets(topic)) parts.push(`${topic}[${o.partition}]=${o.high}`);
  return parts.join(',');
}

/** Runs the chaos scenario and reports what it found; the private servers and every process are stopped at the end. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const began = Date.now();
  const since = () => Date.now() - began;
  const dir = mkdtempSync(join(tmpdir(), 'creditstream-chaos-'));
  const say = (line: string) => o.log(`[${(since() / 1000).toFixed(1)} s] ${line}`);
  const [broker, database] = await Promise.all([
    startPrivateServer({ part: 'kafka', dir: join(dir, 'kafka'), log: say }),
    startPrivateServer({ part: 'mongodb', dir: join(dir, 'mongo'), log: say }),
  ]);
  const instances: Instance[] = [];
  try {
    return await runOn(o, broker, database, instances, say, since, join(dir, 'logs'));
  } finally {
    for (const i of instances) i.expectedExit = true;
    await Promise.all(instances.map(async (i) => {
      if (i.run.child.exitCode === null && i.run.child.signalCode === null) i.run.child.kill('SIGKILL');
      await i.run.exited;
    }));
    await Promise.all([broker.stop({ remove: true }), database.stop({ remove: true })]);
  }
}

async function runOn(o: ChaosOptions, broker: PrivateServer, database: PrivateServer, instances: Instance[], say: (line: string) => void, since: () => number, logsDir: string): Promise<ChaosReport> {
  mkdirSync(logsDir, { recursive: true });
  say(`service logs (level ${o.serviceLogLevel ?? 'error'}) in ${logsDir}`);
  const prefix = `${uniqueName('chaos')}.`;
  const topic = (t: string) => `${prefix}${t}`;
  const databaseName = uniqueName('chaos').replace(/[-.]/g, '_');
  const groupOf = (s: ServiceSpec) => `${prefix}${s.name}-service`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: broker.endpoint,
    MONGODB_URI: database.endpoint,
    SCHEMA_REGISTRY_URL: o.registryUrl,
    MONGODB_DATABASE: databaseName,
    CREDITSTREAM_TOPIC_PREFIX: prefix,
    LOG_LEVEL: o.serviceLogLevel ?? 'error',
    HTTP_PORT: '0',
  };
  // The simulated business days pass in seconds: a fraud check may come several business days after its order
  // (the fraud service killed, or still replaying), far beyond the 3-day wait meant for real days.
  const serviceEnv = (s: ServiceSpec): NodeJS.ProcessEnv => ({ ...env, [`${s.envPrefix}_GROUP_ID`]: groupOf(s), [`${s.envPrefix}_SESSION_TIMEOUT_MS`]: '6000', [`${s.envPrefix}_COMMIT_INTERVAL_MS`]: '300' });
  const kafka = createKafka({ brokers: [broker.endpoint], clientId: 'chaos' });
  const codec = new SchemaCodec({ registryUrl: o.registryUrl });
  // One admin client for every offset check (it reconnects after the broker restart).
  const admin = kafka.admin();
  await admin.connect();
  const random = prng(o.seed);
  const report: ChaosReport = {
    events: 0, liveSeconds: 0, kills: [], unexpectedExits: [], kafkaDownMs: 0, mongoDownMs: 0, settleMs: 0, orders: 0,
    ordersWithoutDecision: [], ordersWithSeveralDecisions: [], ordersWithoutFraudCheck: [], ordersWithSeveralFraudChecks: [],
    conflictingDuplicates: {}, conflictExamples: [], collectionActions: { expected: 0, produced: 0, missing: [], unexpected: [], differing: [], examples: [] },
    featureDifferences: -1, featureVerifyOutput: [], deadLetters: {}, lag: [],
  };

  let stopping = false;
  let spawned = 0;
  // A process that exits without the harness asking is reported and restarted (what an orchestrator would do).
  const spawn = (service: ServiceSpec, index: number): Instance => {
    const logFile = join(logsDir, `${service.name}-${index}-${++spawned}.log`);
    const instance: Instance = { service, index, run: spawnService(MAIN(service.name), serviceEnv(service), { stdoutFile: logFile }), expectedExit: false, announced: false };
    instance.run.announced.then(() => (instance.announced = true), () => undefined);
    void instance.run.exited.then((exit) => {
      if (instance.expectedExit || stopping) return;
      // Its last error lines say why.
      const errors = readFileSync(logFile, 'utf8').split('\n').filter((l) => /"level":"(error|fatal)"/.test(l)).slice(-2).map((l) => l.slice(0, 600));
      report.unexpectedExits.push({ service: service.name, instance: index, exit: String(exit), errors });
      say(`${service.name}#${index} exited on its own (${String(exit)}); restarting it`);
      replace(instance);
    });
    instances.push(instance);
    return instance;
  };
  const replace = (old: Instance): Instance => {
    const at = instances.indexOf(old);
    if (at >= 0) instances.splice(at, 1);
    return spawn(old.service, old.index);
  };

  // The replay: the history, written before any service runs; then every service, twice.
  say(`simulating ${o.customers} customers: ${o.historyDays} business days of history, then ${o.liveDays} live ones at ${o.liveRate} events/s`);
  const quiet = { out: () => undefined, err: () => undefined, now: () => performance.now() };
  let liveDone = false;
  const liveStarted = Date.now();
  // `--history-days` counts the business days written, `--days` calendar days: enough of them for both parts.
  const calendarDays = Math.ceil(((o.historyDays + o.liveDays) * 7) / 5) + 3;
  const simulation = runSimulate({ seed: o.seed, customers: o.customers, days: calendarDays, rate: o.liveRate, historyDays: o.historyDays }, quiet, env).then((s) => {
    report.events = s.events;
    report.liveSeconds = (Date.now() - liveStarted) / 1000;
    liveDone = true;
    say(`simulation done: ${s.events} events`);
    return s;
  });
  simulation.catch(() => undefined);
  // The history is in once the clock topic exists and the simulator moved on to the live days; waiting for the topic
  // is enough for the services (they replay whatever is there and follow the rest).
  await waitFor('the simulator to create the clock topic', async () => (await endOffsets(admin, [topic(TOPIC.clock)]).catch(() => '')) !== '', { timeoutMs: 180_000, intervalMs: 200 });
  if (o.collectionsPolicy !== undefined) {
    // Published before any service runs; its business time (effectiveFrom) puts it before the history.
    await ensureTopics(kafka, [{ ...topicSpec(TOPIC.collectionPolicies), name: topic(TOPIC.collectionPolicies) }]);
    const file = join(logsDir, 'collections-policy.json');
    writeFileSync(file, JSON.stringify(o.collectionsPolicy));
    await runPolicyPublish(file, { by: 'chaos' }, quiet, env);
  }
  for (const s of CHAOS_SERVICES) for (const index of [0, 1]) spawn(s, index);
  say(`started ${instances.length} service processes`);

  // A kill's recovery ends when its replacement has processed a record, or the group has caught up; a replacement
  // killed before that supersedes the record (the next kill's recovery covers the slot).
  const recoveries: Promise<void>[] = [];
  const trackRecovery = (record: KillRecord, replacement: Instance, killedAt: number): void => {
    recoveries.push((async () => {
      try {
        await waitFor(`${record.service}#${record.instance} to recover`, async () => {
          if (replacement.expectedExit) return 'superseded';
          if (replacement.announced && (await replacement.run.metricSum('creditstream_task_records_total').catch(() => 0)) > 0) return 'recovered';
          return (await lagOf(admin, groupOf(replacement.service), replacement.service.inputs.map(topic)).catch(() => ['?'])).length === 0 ? 'recovered' : undefined;
        }, { timeoutMs: 180_000, intervalMs: 1_000 }).then((outcome) => {
          if (outcome === 'superseded') record.superseded = true;
          else record.recoveryMs = Date.now() - killedAt;
        });
      } catch {
        record.recoveryMs = null;
      }
    })());
  };

  // The chaos: a seeded random delay, then SIGKILL a seeded random instance and start its replacement at once.
  while (report.kills.length < o.kills || (!liveDone && report.kills.length < o.maxKills)) {
    const [min, max] = o.killDelayMs;
    await new Promise((r) => setTimeout(r, min + Math.floor(random() * (max - min))));
    const service = CHAOS_SERVICES[Math.floor(random() * CHAOS_SERVICES.length)] as ServiceSpec;
    const index = random() < 0.5 ? 0 : 1;
    const victim = instances.find((i) => i.service === service && i.index === index) as Instance;
    victim.expectedExit = true;
    const killedAt = Date.now();
    victim.run.child.kill('SIGKILL');
    await victim.run.exited;
    const replacement = replace(victim);
    const record: KillRecord = { service: service.name, instance: index, at: since(), recoveryMs: null, superseded: false };
    report.kills.push(record);
    trackRecovery(record, replacement, killedAt);
    say(`SIGKILL ${service.name}#${index} (kill ${report.kills.length})`);
    if (report.kills.length === o.kafkaRestartAfterKill) {
      say('restarting the broker (SIGKILL)');
      report.kafkaDownMs = (await broker.restart('SIGKILL')).downMs;
    }
    if (report.kills.length === o.mongoRestartAfterKill) {
      say('restarting the database (SIGTERM)');
      report.mongoDownMs = (await database.restart('SIGTERM')).downMs;
    }
  }
  await simulation;
  await Promise.all(recoveries);

  // Settled: every group has committed the end of each of its inputs, and nothing was appended meanwhile (the
  // collections service writes write-offs back to the invoices topic, an input of every service).
  const settleStarted = Date.now();
  const allInputs = [...new Set(CHAOS_SERVICES.flatMap((s) => s.inputs))].map(topic);
  await waitFor('every group to catch up with a quiet pipeline', async () => {
    const before = await endOffsets(admin, allInputs);
    for (const s of CHAOS_SERVICES) if ((await lagOf(admin, groupOf(s), s.inputs.map(topic))).length > 0) return false;
    return (await endOffsets(admin, allInputs)) === before;
  }, { timeoutMs: o.settleTimeoutMs, intervalMs: 1000 }).catch(async (err: unknown) => {
    for (const s of CHAOS_SERVICES) report.lag.push(...(await lagOf(admin, groupOf(s), s.inputs.map(topic))));
    say(`not settled: ${err instanceof Error ? err.message : String(err)}`);
  });
  report.settleMs = Date.now() - settleStarted;
  stopping = true;
  for (const i of instances) i.expectedExit = true;
  await Promise.all(instances.map(async (i) => {
    await i.run.announced.catch(() => undefined);
    i.run.child.kill('SIGTERM');
    await i.run.exited;
  }));
  say(`settled in ${report.settleMs} ms; services stopped; checking`);
  if (report.lag.length === 0) for (const s of CHAOS_SERVICES) report.lag.push(...(await lagOf(admin, groupOf(s), s.inputs.map(topic))));

  await check(report, { kafka, codec, topic, env });
  await admin.disconnect();
  return report;
}

/** Reads what the pipeline produced and fills in the report's findings. */
async function check(report: ChaosReport, p: { kafka: Kafka; codec: SchemaCodec; topic: (t: string) => string; env: NodeJS.ProcessEnv }): Promise<void> {
  const { kafka, codec, topic } = p;
  // Every event id of an output topic, with its content; an id seen again must come with the same content.
  const outputs = async <E extends { eventId: string }>(t: string, visit: (event: E) => void): Promise<void> => {
    const seen = new Map<string, string>();
    const conflicts: string[] = [];
    await scanTopic<E>(kafka, codec, topic(t), ({ event }) => {
      const content = canonical(event);
      const first = seen.get(event.eventId);
      if (first === undefined) {
        seen.set(event.eventId, content);
        visit(event);
      } else if (first !== content) {
        conflicts.push(event.eventId);
        if (conflicts.length <= 3) report.conflictExamples.push({ topic: t, first, second: content });
      }
    });
    if (conflicts.length > 0) report.conflictingDuplicates[t] = conflicts;
  };

  const orders = new Set<string>();
  await scanTopic<OrderEnvelope>(kafka, codec, topic(TOPIC.orders), ({ event }) => {
    if (event.type === 'OrderPlaced') orders.add(`${event.customerId}/${event.payload.orderId}`);
  });
  report.orders = orders.size;
  const decisions = new Map<string, number>();
  await outputs<CreditDecisionEnvelope>(TOPIC.creditDecisions, (e) => {
    if (e.type === 'CreditDecision') decisions.set(`${e.customerId}/${e.payload.orderId}`, (decisions.get(`${e.customerId}/${e.payload.orderId}`) ?? 0) + 1);
  });
  const checks = new Map<string, number>();
  await outputs<FraudCheckEnvelope>(TOPIC.fraudChecks, (e) => void checks.set(`${e.customerId}/${e.payload.orderId}`, (checks.get(`${e.customerId}/${e.payload.orderId}`) ?? 0) + 1));
  for (const order of orders) {
    const d = decisions.get(order) ?? 0;
    const c = checks.get(order) ?? 0;
    if (d === 0) report.ordersWithoutDecision.push(order);
    if (d > 1) report.ordersWithSeveralDecisions.push(order);
    if (c === 0) report.ordersWithoutFraudCheck.push(order);
    if (c > 1) report.ordersWithSeveralFraudChecks.push(order);
  }
  await outputs<{ eventId: string }>(TOPIC.invoicePredictions, () => undefined);
  await outputs<{ eventId: string }>(TOPIC.customerOutlook, () => undefined);
  await outputs<{ eventId: string }>(TOPIC.featuresChanged, () => undefined);

  // The collections service's actions against an uninterrupted run of its processor over the same inputs.
  const history: HistoryRecord[] = [];
  for (const [t, kind] of COLLECTIONS_INPUTS) for (const m of await readTopic<HistoryRecord['event']>(kafka, codec, topic(t))) history.push({ kind: kind as InputKind, partition: m.partition, offset: m.offset, event: m.event });
  const expected = new Map<string, string>();
  simulateHistory(history, { onOutput: (out) => void (out.topic === 'actions' && expected.set(out.event.eventId, canonical(out.event))) });
  const produced = new Map<string, string>();
  await outputs<CollectionActionEnvelope>(TOPIC.collectionActions, (e) => void produced.set(e.eventId, canonical(e)));
  const actions = report.collectionActions;
  actions.expected = expected.size;
  actions.produced = produced.size;
  for (const [id, content] of expected) {
    const got = produced.get(id);
    if (got === undefined) actions.missing.push(id);
    else if (got !== content) actions.differing.push(id);
  }
  for (const id of produced.keys()) if (!expected.has(id)) actions.unexpected.push(id);
  for (const id of [...actions.missing.slice(0, 2), ...actions.unexpected.slice(0, 2), ...actions.differing.slice(0, 2)]) actions.examples.push({ expected: expected.get(id), produced: produced.get(id) });

  const lines: string[] = [];
  report.featureDifferences = await runFeaturesVerify({ limit: 20 }, { out: (l: string) => void lines.push(l), err: () => undefined, now: () => performance.now() }, p.env);
  report.featureVerifyOutput = lines;

  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const s of CHAOS_SERVICES) {
      const dlq = topic(`creditstream.${s.name}-service.dlq.v1`);
      const offsets = await admin.fetchTopicOffsets(dlq).catch(() => []);
      report.deadLetters[s.name] = offsets.reduce((n, x) => n + Number(x.high) - Number(x.low), 0);
    }
  } finally {
    await admin.disconnect();
  }
}
