import type { UpResult } from '@creditstream/local-stack';
import { createKafka, kafkaSecurityFromEnv } from '@creditstream/kafka';
import { INPUT_TOPICS, TOPIC } from '@creditstream/schemas';
import { catchUp, committedOffsets, endOffsets, type Offsets } from './catch-up';
import { dashboardLink } from './dashboard-step';
import { heldOrderLines } from './credit';
import { fraudLines } from './fraud';
import { collectionsLines } from './collections';
import { DemoError } from './errors';
import { replayHistory } from './history';
import { publishModel, trainModel, writeReport, type CliContext } from './model-steps';
import type { DemoOptions } from './options';
import { ProgressBar } from './progress';
import type { ChildHandle, ProcessGroup } from './processes';
import { ReadModels, type ShownPrediction } from './read-models';
import { DEMO_SERVICES, serviceMain } from './services';
import { modelLines, predictionLines, timingLines, whereToLookLines } from './summary';
import { waitUntil } from './waiting';

export interface DemoContext {
  readonly options: DemoOptions;
  readonly processes: ProcessGroup;
  /** Aborted when the demo shuts down. */
  readonly signal: AbortSignal;
  readonly say: (line: string) => void;
  /** Wall time of each step so far, in seconds. */
  readonly timings: [string, number][];
}

interface RunningService {
  readonly name: string;
  readonly url: string;
  readonly handle: ChildHandle;
}

const grouped = (n: number) => n.toLocaleString('en-US');

/** How many predictions the demo shows at the end. */
const SHOWN_PREDICTIONS = 4;
/** How many held orders the demo shows at the end. */
const SHOWN_HOLDS = 4;

/**
 * The demo after the stack is up: services, history replay, catching up, training, publishing, re-scoring with the
 * new model, and the summary. Returns once the demo is live; the processes keep running until shutdown.
 */
export async function runDemo(ctx: DemoContext, endpoints: UpResult): Promise<void> {
  const { options: o, say, signal } = ctx;
  // Without a collections service, the next day's records do not wait for its daily run.
  const dailyRun = serviceMain('collections-service') ? 'collections-service' : 'none';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // A Kafka the stack started with CREDITSTREAM_KAFKA_SECURITY=SASL_SSL: how every process logs in.
    ...endpoints.kafkaClientEnv,
    KAFKA_BROKERS: endpoints.kafkaBrokers,
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    MONGODB_URI: endpoints.mongodbUri,
    MONGODB_DATABASE: o.database,
    CREDITSTREAM_TOPIC_PREFIX: o.topicPrefix,
    FEATURE_SERVICE_GROUP_ID: o.featureGroup,
    SCORING_SERVICE_GROUP_ID: o.scoringGroup,
    COLLECTIONS_SERVICE_GROUP_ID: `${o.topicPrefix}collections-service`,
    CREDIT_SERVICE_GROUP_ID: `${o.topicPrefix}credit-service`,
    FRAUD_SERVICE_GROUP_ID: `${o.topicPrefix}fraud-service`,
    // Without a fraud service, orders are decided at once rather than waiting for fraud checks that never come.
    CREDIT_FRAUD_CHECKS: process.env.CREDIT_FRAUD_CHECKS ?? (serviceMain('fraud-service') ? 'wait' : 'off'),
    // The history streams in hundreds of business days a minute: only the fraud topic's own progress ends a wait.
    CREDIT_FRAUD_WAIT_MAX_DAYS: process.env.CREDIT_FRAUD_WAIT_MAX_DAYS ?? '365',
    CREDIT_SERVICE_AWAIT_DAILY_RUN: process.env.CREDIT_SERVICE_AWAIT_DAILY_RUN ?? dailyRun,
    FRAUD_SERVICE_AWAIT_DAILY_RUN: process.env.FRAUD_SERVICE_AWAIT_DAILY_RUN ?? dailyRun,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const waitOptions = { signal, timeoutMs: o.stepTimeoutMs };
  const topic = (name: string) => `${o.topicPrefix}${name}`;

  // Services.
  let t0 = Date.now();
  const services: RunningService[] = [];
  for (const [k, name] of DEMO_SERVICES.entries()) {
    const main = serviceMain(name);
    if (!main) {
      say(`${name}: not in this version yet, skipped`);
      continue;
    }
    const url = `http://127.0.0.1:${o.portBase + k}`;
    const handle = ctx.processes.start(name, main, [], { env: { ...env, HTTP_PORT: String(o.portBase + k) } });
    await waitUntil(
      `${name} ready at ${url}/readyz`,
      async () => {
        if (!handle.running()) throw new DemoError('DEMO_PROCESS_FAILED', `${name} exited during start-up (exit ${await handle.exited}); see its lines above`);
        return (await fetch(`${url}/readyz`)).ok ? true : undefined;
      },
      { ...waitOptions, intervalMs: 250 },
    );
    services.push({ name, url, handle });
    void handle.exited.then((code) => {
      if (!signal.aborted) say(`${name} (pid ${handle.pid}) exited unexpectedly (exit ${code})`);
    });
    say(`${name}: ready at ${url} (pid ${handle.pid}; /metrics, /livez, /readyz)`);
  }
  ctx.timings.push(['services', (Date.now() - t0) / 1000]);
  const servicesAlive = () => {
    for (const s of services) if (!s.handle.running()) throw new DemoError('DEMO_PROCESS_FAILED', `${s.name} (pid ${s.handle.pid}) exited; see its lines above`);
  };

  const kafka = createKafka({ brokers: endpoints.kafkaBrokers.split(','), clientId: 'creditstream-demo', security: kafkaSecurityFromEnv(env) });
  const admin = kafka.admin();
  await admin.connect();
  const readModels = await ReadModels.open(endpoints.mongodbUri, o.database);
  try {
    const inputs = INPUT_TOPICS.map(topic);
    const scoringInputs = [topic(TOPIC.featuresChanged)];
    const featureFrom = await committedOffsets(admin, o.featureGroup, inputs);
    const collectionsGroup = `${o.topicPrefix}collections-service`;
    const collectionsRuns = services.some((s) => s.name === 'collections-service');
    const collectionsInputs = [TOPIC.customers, TOPIC.invoices, TOPIC.payments, TOPIC.clock].map(topic);
    const collectionsFrom = collectionsRuns ? await committedOffsets(admin, collectionsGroup, collectionsInputs) : null;
    const scoringFrom = await committedOffsets(admin, o.scoringGroup, scoringInputs);
    const fraudGroup = `${o.topicPrefix}fraud-service`;
    const fraudRuns = services.some((s) => s.name === 'fraud-service');
    const fraudFrom = fraudRuns ? await committedOffsets(admin, fraudGroup, inputs) : null;
    const creditGroup = `${o.topicPrefix}credit-service`;
    const creditRuns = services.some((s) => s.name === 'credit-service');
    const creditFrom = creditRuns ? await committedOffsets(admin, creditGroup, inputs) : null;

    const earlier = [...(await endOffsets(admin, inputs)).values()].reduce((a, b) => a + b, 0);
    if (earlier > 0) {
      say(`the input topics already hold ${grouped(earlier)} events of an earlier run on this stack: replayed events they already hold are duplicates (same event ids) and change nothing, and the state goes on from the earlier run's. For a fresh start set CREDITSTREAM_TOPIC_PREFIX and MONGODB_DATABASE to new names.`);
    }

    // History, then live.
    say(`replaying ${o.historyDays} days of history from ${o.start} for ${o.customers} simulated customers (seed ${o.seed}) as fast as possible, then streaming live at ${o.liveRate} events/s`);
    const history = await replayHistory(ctx.processes, env, o, signal, say);
    ctx.timings.push(['history', history.seconds]);
    const historyEnd = await endOffsets(admin, inputs);

    // Catching up: lag 0 against the history's end offsets, first the feature service on the input topics, then
    // the scoring service on what the feature service produced.
    const catchUpStep = async (label: string, group: string, topics: string[], from: Offsets, to: Offsets) => {
      const bar = new ProgressBar(label);
      let last = { done: 0, total: 0 };
      try {
        await waitUntil(
          `${group} catching up on ${topics.join(', ')}`,
          async () => {
            servicesAlive();
            last = catchUp(await committedOffsets(admin, group, topics), from, to);
            bar.update(last.total === 0 ? 1 : last.done / last.total, `${grouped(last.done)} of ${grouped(last.total)} messages folded (group ${group})`);
            return last.done >= last.total ? last : undefined;
          },
          waitOptions,
          () => `${last.done} of ${last.total} messages`,
        );
      } catch (err) {
        bar.abandon();
        throw err;
      }
      return bar.done(`${grouped(last.total)} messages, lag 0 at the end of the history (group ${group})`);
    };
    say('the live stream has started; the services catch up with the history first');
    ctx.timings.push(['features catch-up', await catchUpStep('features', o.featureGroup, inputs, featureFrom, historyEnd)]);
    ctx.timings.push(['scoring catch-up', await catchUpStep('scoring', o.scoringGroup, scoringInputs, scoringFrom, await endOffsets(admin, scoringInputs))]);
    if (collectionsFrom !== null) {
      const collectionsEnd = new Map([...historyEnd].filter(([k]) => collectionsInputs.some((t) => k.startsWith(`${t}:`))));
      ctx.timings.push(['collections catch-up', await catchUpStep('collections', collectionsGroup, collectionsInputs, collectionsFrom, collectionsEnd)]);
    }
    if (fraudFrom !== null) ctx.timings.push(['fraud catch-up', await catchUpStep('fraud', fraudGroup, inputs, fraudFrom, historyEnd)]);
    if (creditFrom !== null) ctx.timings.push(['credit catch-up', await catchUpStep('credit', creditGroup, inputs, creditFrom, historyEnd)]);

    // Training while the live stream goes on: until the new model is published, the active one scores.
    const active = await readModels.activeVersion();
    say(`training a model on the replayed history (from the feature service's log, point-in-time: the replay was folded in business-time order); meanwhile the live stream goes on, scored by ${active === null ? 'the built-in cold-start model (nothing published yet)' : `model ${active}, published earlier`}`);
    const cli: CliContext = { processes: ctx.processes, env, signal };
    const trained = await trainModel(cli, o.seed);
    ctx.timings.push(['training', trained.seconds]);

    t0 = Date.now();
    say(await publishModel(cli, trained.version));
    const bar = new ProgressBar('re-scoring');
    let state = { done: 0, total: 0 };
    let shown: ShownPrediction[];
    try {
      shown = await waitUntil(
        `the scoring service re-scoring every customer with ${trained.version}`,
        async () => {
          servicesAlive();
          state = await readModels.rescoring(trained.version);
          bar.update(state.total === 0 ? 0 : state.done / state.total, `${grouped(state.done)} of ${grouped(state.total)} customers scored by ${trained.version}`);
          if (state.total === 0 || state.done < state.total) return undefined;
          const recent = await readModels.recentPredictions(trained.version, SHOWN_PREDICTIONS);
          return recent.length > 0 ? recent : undefined;
        },
        waitOptions,
        () => `${state.done} of ${state.total} customers`,
      );
    } catch (err) {
      bar.abandon();
      throw err;
    }
    bar.done(`every customer's open invoices predicted by ${trained.version}`);
    ctx.timings.push(['publish + re-scoring', (Date.now() - t0) / 1000]);

    t0 = Date.now();
    const report = await writeReport(cli, trained.version, o.reportDir);
    const model = await readModels.model(trained.version);
    ctx.timings.push(['report', (Date.now() - t0) / 1000]);

    for (const line of modelLines(model, report)) say(line);
    for (const line of whereToLookLines(endpoints, services, topic(TOPIC.invoicePredictions), o.database)) say(line);
    for (const line of predictionLines(shown, o.database)) say(line);
    if (collectionsRuns) for (const line of await collectionsLines(endpoints.mongodbUri, o.database, 3)) say(line);
    if (fraudRuns) for (const line of await fraudLines(endpoints.mongodbUri, o.database, SHOWN_HOLDS)) say(line);
    if (creditRuns) for (const line of await heldOrderLines(endpoints.mongodbUri, o.database, SHOWN_HOLDS)) say(line);
    for (const line of timingLines(ctx.timings)) say(line);
    const insights = services.find((s) => s.name === 'insights-api');
    if (insights) {
      const dashboard = await dashboardLink(cli, insights.url);
      say(`dashboard: ${dashboard.url}  (an admin token of the insights API; API reference at ${insights.url}/docs)`);
    }
    say(`live: predictions from model ${trained.version}; the simulated company streams on at ${o.liveRate} events/s. Press Ctrl-C to stop everything.`);
  } finally {
    await admin.disconnect();
    await readModels.close();
  }
}
