import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { connectionSpec, env, loadConfig } from '@creditstream/config';
import { FEATURE_INPUTS, FeatureStateReader, readEventLog } from '@creditstream/feature-service';
import { createKafka, kafkaSecurityFromEnv, createProducer, ensureTopics } from '@creditstream/kafka';
import {
  CLASSES,
  compileTrainerOptions,
  InsufficientHistoryError,
  ModelOptionError,
  ModelRegistry,
  trainingDataFromFeatureLog,
  REGISTRY_INDEXES,
  renderReport,
  trainingDataFromEventLog,
  trainPaymentModel,
  type EvaluationMetrics,
  type ModelVersion,
  type TrainerOptions,
  type TrainingData,
  type TrainingOutcome,
} from '@creditstream/model';
import { SchemaCodec } from '@creditstream/schema';
import { loadSchema, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import { openStore, type Store } from '@creditstream/store';
import { CliOptionError } from '../errors';
import type { Io } from '../io';
import { grouped, intOption } from './numbers';

type Environment = Record<string, string | undefined>;

const storeSpec = {
  MONGODB_URI: connectionSpec.MONGODB_URI,
  MONGODB_DATABASE: connectionSpec.MONGODB_DATABASE,
};

const kafkaSpec = {
  KAFKA_BROKERS: connectionSpec.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: connectionSpec.SCHEMA_REGISTRY_URL,
  CREDITSTREAM_TOPIC_PREFIX: env.string('Prefix of every topic name.', { optional: true }),
};

/** Where `model train` reads its examples. */
export type TrainingSourceOption = 'feature-log' | 'event-log';

export interface ModelTrainCommandOptions {
  features?: string;
  exclude?: string;
  minAmount?: number;
  segment?: string;
  from?: string;
  to?: string;
  veryLateDays?: number;
  graceDays?: number;
  seed?: number;
  source?: TrainingSourceOption;
  minRows?: number;
  minPerBucket?: number;
}

/** What `model train` did: the registered version, and whether it is a LightGBM model or the cold-start fallback. */
export interface ModelTrainSummary {
  readonly outcome: TrainingOutcome['kind'];
  readonly model: ModelVersion;
  readonly data: { readonly examples: number; readonly notPointInTime: number; readonly dataEnd: string };
}

async function withStore<T>(environment: Environment, run: (store: Store, config: { MONGODB_DATABASE: string }) => Promise<T>): Promise<T> {
  const config = loadConfig(storeSpec, environment);
  const store = await openStore({ uri: config.MONGODB_URI, database: config.MONGODB_DATABASE, indexes: REGISTRY_INDEXES, appName: 'creditstream-model' });
  try {
    return await run(store, config);
  } finally {
    await store.close();
  }
}

const list = (value: string | undefined) => (value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s !== ''));

/** Maps the command's flags to trainer options, validating them before anything is read. */
function trainerOptions(o: ModelTrainCommandOptions): TrainerOptions {
  const features = list(o.features);
  const exclude = list(o.exclude);
  const options: TrainerOptions = {
    ...(features ? { features } : {}),
    ...(exclude ? { exclude } : {}),
    ...(o.minAmount !== undefined ? { minAmount: o.minAmount } : {}),
    ...(o.segment !== undefined ? { segment: o.segment } : {}),
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.to !== undefined ? { to: o.to } : {}),
    ...(o.veryLateDays !== undefined ? { veryLateDays: o.veryLateDays } : {}),
    ...(o.graceDays !== undefined ? { graceDays: o.graceDays } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.minRows !== undefined ? { minRows: o.minRows } : {}),
    ...(o.minPerBucket !== undefined ? { minPerBucket: o.minPerBucket } : {}),
  };
  try {
    compileTrainerOptions(options);
  } catch (err) {
    if (err instanceof ModelOptionError) throw new CliOptionError(err.path, err.message);
    throw err;
  }
  return options;
}

/**
 * Reads the training data from the feature service's store through its reader: the feature log's vectors, every
 * customer's invoices (their committed state), segments, and the end of the data (the latest business date of any
 * partition clock or customer).
 */
async function featureLogData(store: Store): Promise<TrainingData> {
  const reader = new FeatureStateReader(store);
  const vectors = await reader.readFeatureLog({ kind: 'issued' });
  const invoices = [];
  const segments = new Map<string, string>();
  let dataEnd = '';
  for (const { state, clock } of (await reader.customers()).values()) {
    invoices.push(...state.invoices);
    if (state.registration !== null) segments.set(state.customerId, state.registration.segment);
    if (state.asOf > dataEnd) dataEnd = state.asOf;
    if (clock !== null && clock.businessDate > dataEnd) dataEnd = clock.businessDate;
  }
  return trainingDataFromFeatureLog({ vectors, invoices, segments, dataEnd });
}

/** Reads the whole input event log from Kafka (for `--source event-log`). */
async function eventLogData(io: Io, environment: Environment): Promise<TrainingData> {
  const config = loadConfig(kafkaSpec, environment);
  const prefix = config.CREDITSTREAM_TOPIC_PREFIX ?? '';
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'creditstream-model', security: kafkaSecurityFromEnv(environment) });
  const codec = new SchemaCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  let lastProgress = io.now();
  const log = await readEventLog(kafka, codec, FEATURE_INPUTS.map((t) => `${prefix}${t}`), (read, total) => {
    if (io.now() - lastProgress >= 2000) {
      lastProgress = io.now();
      io.err(`read ${grouped(read)} of ${grouped(total)} events`);
    }
  });
  io.err(`read ${grouped(log.length)} events; folding them in business-time order`);
  return trainingDataFromEventLog(log);
}

function metricsLine(name: string, m: EvaluationMetrics | null | undefined): string {
  if (!m) return `  ${name}: –`;
  return `  ${name.padEnd(11)} accuracy ${m.accuracy.toFixed(3)}  macro-F1 ${m.macroF1.toFixed(3)}  log-loss ${m.logLoss.toFixed(4)}  Brier ${m.brier.toFixed(4)}  ECE ${m.calibrationError.toFixed(4)}`;
}

/** How a trained model was chosen: every candidate's validation log-loss, the blend and the calibration. */
function describeSelection(model: ModelVersion): string[] {
  const s = model.selection;
  if (!s) return [`LightGBM: ${model.training.bestIteration} rounds; ${grouped(model.modelBytes)} bytes`];
  const lines = [
    `chosen on ${s.folds.length} rolling-origin validation fold${s.folds.length === 1 ? '' : 's'} (${s.size} history): ${s.folds.map((f) => `${grouped(f.validation)} invoices ${f.from}..${f.to} after ${grouped(f.train)}`).join('; ')}`,
    'validation log-loss of every candidate:',
    ...s.candidates.map((c) => `  ${c.validationLogLoss.toFixed(4)}  ${c.name}${c.rounds ? ` (rounds ${c.rounds.join(', ')})` : ''}`),
    `choice: ${s.choice}${s.choice === 'blend' ? ` of logits, LightGBM weight ${s.lightgbmWeight.toFixed(2)}` : ''} (validation log-loss LightGBM ${s.validation.lightgbm.toFixed(4)}, logistic ${s.validation.logistic.toFixed(4)}, chosen ${s.validation.blend.toFixed(4)})`,
    `calibration: ${s.calibration.kind}${s.calibration.kind === 'none' ? '' : ` (T ${s.calibration.temperature.toFixed(3)}${s.calibration.kind === 'dirichlet' ? `, offsets ${s.calibration.offsets.map((c) => c.toFixed(3)).join(' ')}` : ''})`}; cross-fitted validation log-loss none ${s.calibration.crossFitted.none.toFixed(4)}, temperature ${s.calibration.crossFitted.temperature.toFixed(4)}, dirichlet ${s.calibration.crossFitted.dirichlet.toFixed(4)}`,
  ];
  if (s.choice !== 'logistic') lines.push(`LightGBM part: ${s.lightgbmRounds} rounds${s.refitted ? ', refitted on every invoice before the holdout' : ' (the last fold\'s model: no refit at this size)'}`);
  if (s.choice !== 'lightgbm') lines.push(`logistic part: λ ${s.logisticLambda}, written as step-function trees`);
  lines.push(`served as one LightGBM text model of ${grouped(model.modelBytes)} bytes`);
  return lines;
}

/** A model version as the lines `model train` and `model show` print. */
export function describeModel(model: ModelVersion): string[] {
  const d = model.data;
  const m = model.metrics;
  const lines = [
    `${model.version}: ${model.algorithm}, ${model.featureSetVersion}, ${model.features.length} features, buckets V=${model.buckets.veryLateDays} G=${model.buckets.graceDays}, seed ${model.training.seed}, registered ${model.createdAt}`,
    `data: ${d.source} up to ${d.dataEnd || '–'}; ${grouped(d.rows.total)} labelled invoices (${CLASSES.map((c, k) => `${c} ${grouped((d.classCounts.train[k] ?? 0) + (d.classCounts.validation[k] ?? 0) + (d.classCounts.holdout[k] ?? 0))}`).join(', ')}); left out: ${grouped(d.excluded.notMatured)} not matured, ${grouped(d.excluded.notPointInTime)} not point-in-time, ${grouped(d.excluded.filtered)} filtered, ${grouped(d.excluded.noOutcome)} without invoice state`,
  ];
  if (model.algorithm === 'lightgbm-multiclass') {
    lines.push(`split by invoice date: ${grouped(d.rows.train + d.rows.validation)} to choose and fit on (${d.ranges.train?.from}..${d.ranges.validation?.to ?? d.ranges.train?.to}), holdout ${grouped(d.rows.holdout)} (${d.ranges.holdout?.from}..${d.ranges.holdout?.to})`);
    lines.push(...describeSelection(model));
  } else {
    lines.push(`cold start: prior ${model.coldStart.prior.map((p) => p.toFixed(3)).join(' / ')} (ON_TIME / LATE / VERY_LATE), strength ${model.coldStart.strength} invoices, fitted on ${grouped(model.coldStart.fittedOn)}`);
  }
  if (m) {
    lines.push(`${model.metricsOn === 'holdout' ? 'holdout' : 'on its fitting rows'} (${grouped(m.rows)} invoices):`);
    lines.push(metricsLine('model', m));
    if (model.baselines) {
      if (model.baselines.lightgbm) lines.push(metricsLine('LightGBM', model.baselines.lightgbm));
      if (model.baselines.logistic) lines.push(metricsLine('logistic', model.baselines.logistic));
      lines.push(metricsLine('cold start', model.baselines.coldStart));
      lines.push(`  naive       always ${model.baselines.majority.bucket}: accuracy ${model.baselines.majority.accuracy.toFixed(3)}, log-loss ${model.baselines.majority.logLoss.toFixed(4)} (class shares)`);
    }
    lines.push(`  confusion (rows actual, columns predicted ${CLASSES.join(' / ')}): ${m.confusion.map((r) => `[${r.map(grouped).join(' ')}]`).join(' ')}`);
    lines.push(`  per bucket: ${m.perClass.map((c, k) => `${CLASSES[k]} precision ${c.precision.toFixed(3)} recall ${c.recall.toFixed(3)}`).join('; ')}`);
  }
  if (model.importance.length > 0) {
    lines.push(`top features (mean |SHAP|, gain): ${model.importance.slice(0, 8).map((i) => `${i.feature} ${i.meanAbsShap.toFixed(3)}/${grouped(i.gain)}`).join(', ')}`);
  }
  return lines;
}

/**
 * Runs `creditstream model train`: reads the training data point-in-time (feature log or event log), trains, and
 * registers the result. Below the minimum history it registers the fitted cold-start model and throws
 * InsufficientHistoryError (exit code 1) naming what was missing; with no labelled invoice at all it registers
 * nothing (exit code 1, the reason and the counts of what was left out).
 */
export async function runModelTrain(o: ModelTrainCommandOptions, io: Io, environment: Environment = process.env): Promise<ModelTrainSummary> {
  const options = trainerOptions(o);
  const source = o.source ?? 'feature-log';
  if (source !== 'feature-log' && source !== 'event-log') throw new CliOptionError('source', `--source ${JSON.stringify(source)} is invalid: expected feature-log or event-log`);
  return withStore(environment, async (store, config) => {
    const data = source === 'event-log' ? await eventLogData(io, environment) : await featureLogData(store);
    const logged = data.examples.length + data.notPointInTime;
    io.err(`${source}: ${grouped(data.examples.length)} point-in-time vectors, data end ${data.dataEnd || '–'}${data.notPointInTime > 0 ? `; ${grouped(data.notPointInTime)} left out (computed after their invoice date)` : ''}`);
    const replayHint = source === 'feature-log' && data.notPointInTime > 0.1 * logged
      ? `${grouped(data.notPointInTime)} of ${grouped(logged)} logged vectors were computed after their invoice date, as happens when history is replayed fast (the topics interleave): train such a history from the event log with --source event-log`
      : null;
    if (replayHint !== null) io.err(replayHint);
    const outcome = await trainPaymentModel(data, options, (message) => io.err(message));
    if (outcome.kind === 'insufficient' && outcome.model.data.rows.total === 0) {
      // A cold-start model fitted on nothing is the built-in one: registering it would only hide the problem.
      const why = `${grouped(data.examples.length)} invoices in the ${source}, none labelled (${grouped(outcome.model.data.excluded.notMatured)} not matured, ${grouped(outcome.model.data.excluded.filtered)} filtered, ${grouped(outcome.model.data.excluded.noOutcome)} without invoice state, ${grouped(data.notPointInTime)} not point-in-time): nothing registered`;
      throw new InsufficientHistoryError(replayHint === null ? [...outcome.reasons, why] : [...outcome.reasons, why, replayHint]);
    }
    const registry = new ModelRegistry(store);
    const model = await registry.register(outcome.model);
    for (const line of describeModel(model)) io.out(line);
    if (outcome.kind === 'insufficient') {
      io.out(`registered the cold-start model as ${model.version} in ${config.MONGODB_DATABASE}; publish it with \`creditstream model publish ${model.version}\` (with nothing published, the built-in cold-start model with a uniform prior serves)`);
      throw new InsufficientHistoryError(replayHint === null ? outcome.reasons : [...outcome.reasons, replayHint]);
    }
    io.out(`registered ${model.version} in ${config.MONGODB_DATABASE}; publish it with \`creditstream model publish ${model.version}\``);
    return { outcome: outcome.kind, model, data: { examples: data.examples.length, notPointInTime: data.notPointInTime, dataEnd: data.dataEnd } };
  });
}

/** `creditstream model list`. */
export async function runModelList(io: Io, environment: Environment = process.env): Promise<void> {
  await withStore(environment, async (store) => {
    const registry = new ModelRegistry(store);
    const versions = await registry.list();
    const active = await registry.latestPublication();
    if (versions.length === 0) {
      io.out('no model versions yet: run `creditstream model train`');
      return;
    }
    io.out(`${'version'.padEnd(8)} ${'algorithm'.padEnd(20)} ${'data end'.padEnd(10)} ${'rows'.padStart(9)} ${'log-loss'.padStart(8)} ${'accuracy'.padStart(8)}  registered`);
    for (const v of versions) {
      const mark = active?.version === v.version ? ' (active)' : '';
      io.out(`${v.version.padEnd(8)} ${v.algorithm.padEnd(20)} ${(v.data.dataEnd || '–').padEnd(10)} ${grouped(v.data.rows.total).padStart(9)} ${(v.metrics ? v.metrics.logLoss.toFixed(4) : '–').padStart(8)} ${(v.metrics ? v.metrics.accuracy.toFixed(3) : '–').padStart(8)}  ${v.createdAt}${mark}`);
    }
  });
}

/** `creditstream model show VERSION [--json]`. */
export async function runModelShow(version: string, o: { json?: boolean }, io: Io, environment: Environment = process.env): Promise<ModelVersion> {
  return withStore(environment, async (store) => {
    const registry = new ModelRegistry(store);
    const model = await registry.get(version);
    if (o.json) {
      const { modelText, shapSummary, ...rest } = model;
      io.out(JSON.stringify({ ...rest, modelText: modelText === null ? null : `(${modelText.length} characters)`, shapSummary: `(${shapSummary.length} features)` }, null, 2));
    } else {
      for (const line of describeModel(model)) io.out(line);
      const active = await registry.latestPublication();
      io.out(active?.version === version ? `active since publication ${active.sequence} (${active.businessTime}, by ${active.publishedBy})` : 'not active');
    }
    return model;
  });
}

/** The latest business date the feature service has seen (its partition clocks), for the publication's event time. */
async function currentBusinessTime(store: Store, model: ModelVersion): Promise<string> {
  let latest = '';
  for (const clock of (await new FeatureStateReader(store).clocks()).values()) if (clock.businessDate > latest) latest = clock.businessDate;
  const date = latest || model.data.dataEnd || '1970-01-01';
  return `${date}T00:00:00.000Z`;
}

/**
 * `creditstream model publish VERSION`: makes the version the active model and emits the model-published event
 * (creditstream.models.published.v1) through the shared producer and codec; scoring services hot-reload on it.
 */
export async function runModelPublish(version: string, o: { by?: string }, io: Io, environment: Environment = process.env): Promise<{ eventId: string }> {
  const kafkaConfig = loadConfig(kafkaSpec, environment);
  return withStore(environment, async (store) => {
    const registry = new ModelRegistry(store);
    const model = await registry.get(version);
    const name = `${kafkaConfig.CREDITSTREAM_TOPIC_PREFIX ?? ''}${TOPIC.modelsPublished}`;
    const kafka = createKafka({ brokers: kafkaConfig.KAFKA_BROKERS, clientId: 'creditstream-model', security: kafkaSecurityFromEnv(environment) });
    await ensureTopics(kafka, [{ ...topicSpec(TOPIC.modelsPublished), name }]);
    const codec = new SchemaCodec({ registryUrl: kafkaConfig.SCHEMA_REGISTRY_URL });
    await codec.register(name, loadSchema(TOPIC.modelsPublished));
    const { publication, event } = await registry.publish(version, { publishedBy: o.by ?? environment.USER ?? 'creditstream', businessTime: await currentBusinessTime(store, model) });
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    try {
      await producer.send(name, [{ key: '*', event }]);
    } finally {
      await producer.disconnect();
    }
    io.out(`published ${version} (${model.algorithm}) as publication ${publication.sequence}: event ${event.eventId} on ${name}`);
    return { eventId: event.eventId };
  });
}

/** `creditstream model report VERSION --out DIR`: writes DIR/model-VERSION.html. */
export async function runModelReport(version: string, o: { out: string }, io: Io, environment: Environment = process.env): Promise<string> {
  return withStore(environment, async (store) => {
    const model = await new ModelRegistry(store).get(version);
    fs.mkdirSync(o.out, { recursive: true });
    const file = path.join(o.out, `model-${version}.html`);
    fs.writeFileSync(file, renderReport(model));
    io.out(`wrote ${file}`);
    return file;
  });
}

function nonNegativeNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0) throw new CliOptionError('min-amount', `--min-amount ${JSON.stringify(value)} is not a non-negative number`);
  return x;
}

/** Registers `creditstream model train | list | show | publish | report`. */
export function registerModel(program: Command, io: Io): void {
  const model = program.command('model').description('The payment-bucket model: train, list, show, publish, report (registry in MONGODB_DATABASE)');
  model
    .command('train')
    .description('Choose and train the model on point-in-time history (LightGBM, logistic regression or a blend, chosen on time-ordered validation folds; time-based holdout) and register it; below the minimum history, register the cold-start model instead and exit 1; with no labelled invoice, register nothing and exit 1')
    .option('--features <a,b>', 'train on these features only')
    .option('--exclude <a,b>', 'leave these features out')
    .option('--min-amount <x>', 'only invoices of at least this amount (major units of their currency)', nonNegativeNumber)
    .option('--segment <s>', 'only customers of this segment')
    .option('--from <date>', 'only invoices issued on or after this date')
    .option('--to <date>', 'only invoices issued on or before this date')
    .option('--very-late-days <n>', 'V: paid more than V days after due is very late (default 30)', intOption(1, 3650))
    .option('--grace-days <n>', 'G: late starts after G grace days (default 0)', intOption(0, 3649))
    .option('--seed <n>', 'random seed (default 0): the same data and seed give the same model', intOption(0, 2 ** 31 - 1))
    .option('--source <source>', 'feature-log (the feature service\'s log, point-in-time vectors only) or event-log (fold the Kafka input topics in business-time order: for replayed history)', 'feature-log')
    .option('--min-rows <n>', 'minimum labelled invoices (default 100)', intOption(10, Number.MAX_SAFE_INTEGER))
    .option('--min-per-bucket <n>', 'minimum labelled invoices per bucket (default 30)', intOption(1, Number.MAX_SAFE_INTEGER))
    .action(async (opts: ModelTrainCommandOptions) => {
      await runModelTrain(opts, io);
    });
  model
    .command('list')
    .description('List the registered versions')
    .action(async () => {
      await runModelList(io);
    });
  model
    .command('show <version>')
    .description('Show a version: data, metrics, importance')
    .option('--json', 'the whole registry entry as JSON (without the model text)')
    .action(async (version: string, opts: { json?: boolean }) => {
      await runModelShow(version, opts, io);
    });
  model
    .command('publish <version>')
    .description('Make a version the active model and emit the model-published event (scoring services hot-reload it)')
    .option('--by <name>', 'who publishes it (default $USER)')
    .action(async (version: string, opts: { by?: string }) => {
      await runModelPublish(version, opts, io);
    });
  model
    .command('report <version>')
    .description('Write a self-contained HTML report (metrics, confusion matrix, reliability, importance, SHAP summary)')
    .requiredOption('--out <dir>', 'directory to write model-<version>.html into')
    .action(async (version: string, opts: { out: string }) => {
      await runModelReport(version, opts, io);
    });
}
