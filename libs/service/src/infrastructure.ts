import { LifecycleError } from './errors';
import { createConsumerRunner, createKafka, createProducer, ensureTopics, kafkaSecurityFromEnv, type ConsumerRunner, type ConsumerRunnerOptions, type EventProducer, type Kafka, type TopicDefinition } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { openStore, type IndexDefinition, type Store } from '@creditstream/store';
import { createStreamsRunner, MongoCheckpointStore, type StreamsRunner, type StreamsRunnerOptions, type TaskOptions } from '@creditstream/streams';
import { env } from '@creditstream/config';
import type { ServiceRuntime, Component } from './runtime';

/**
 * The environment variables of a partition-task service, `<PREFIX>_GROUP_ID` and the runtime's tuning, with the
 * runtime's defaults: one spec shared by every stateful service.
 */
export function streamsSpec(prefix: string, groupDefault: string, awaitsDefault: readonly string[] = [], dailyRunDefault: readonly string[] = []) {
  return {
    [`${prefix}_AWAIT_PROGRESS`]: env.list('Services whose outputs this one reads and whose progress each business-day tick waits for, so that a live run takes their outputs in the order a replay does (comma-separated service names, or none).', { default: [...awaitsDefault] }),
    [`${prefix}_AWAIT_DAILY_RUN`]: env.list('Services whose daily run the records of the following business days wait for (their progress on the latest tick), so that what the run produces for the next days (account blocks) is taken before those records live as in a replay (comma-separated service names, or none).', { default: [...dailyRunDefault] }),
    [`${prefix}_PROGRESS_MAX_WAIT_MS`]: env.int('Longest wait for those services\' progress (of a tick, or of the first record of a day after a daily run awaited); then the record is taken anyway (counted in creditstream_task_progress_timeouts_total).', { default: 300_000, min: 0 }),
    [`${prefix}_GROUP_ID`]: env.string('Kafka consumer group.', { default: groupDefault }),
    [`${prefix}_COMMIT_INTERVAL_MS`]: env.int('Time between checkpoints: the most work a crash loses and the read models\' freshness.', { default: 2000, min: 10 }),
    [`${prefix}_CATCH_UP_COMMIT_INTERVAL_MS`]: env.int('Time between checkpoints while a task is catching up (a replay, a backlog of 10,000 records or more, or more than a commit interval of work behind): each changed value is then written once per this interval. Unset: 30000, or the commit interval if longer.', { optional: true, min: 10 }),
    [`${prefix}_MAX_IDLE_MS`]: env.int('Longest wait for a lagging input topic with nothing fetched before processing the others (business-time order under slow fetches; ends when the fetch arrives).', { default: 30_000, min: 0 }),
    [`${prefix}_MAX_UNCOMMITTED`]: env.int('Records processed but not checkpointed beyond which processing waits (backpressure).', { default: 50_000, min: 1 }),
    [`${prefix}_SESSION_TIMEOUT_MS`]: env.int('How long the group waits for a silent instance before moving its partitions (takeover time after a crash).', { default: 6000, min: 6000 }),
    [`${prefix}_STATE_BUDGET_MB`]: env.int('MB (JSON size) of state kept as live objects by the instance, shared by its tasks, where the service allows it; the least recently used values beyond it stay compressed in memory and are read back when needed. 0: unbounded.', { default: 256, min: 0 }),
  } as const;
}

/** The values of a {@link streamsSpec}, read back by prefix. */
export function streamsSettings(
  config: Record<string, unknown>,
  prefix: string,
): { groupId: string; task: Pick<TaskOptions, 'commitIntervalMs' | 'catchUpCommitIntervalMs' | 'maxIdleMs' | 'maxUncommittedRecords'>; sessionTimeoutMs: number; stateBudgetBytes: number; awaits: string[]; awaitsDailyRun: string[]; progressMaxWaitMs: number } {
  const budgetMb = config[`${prefix}_STATE_BUDGET_MB`] as number;
  return {
    awaits: ((config[`${prefix}_AWAIT_PROGRESS`] as string[] | undefined) ?? []).filter((s) => s !== 'none'),
    awaitsDailyRun: ((config[`${prefix}_AWAIT_DAILY_RUN`] as string[] | undefined) ?? []).filter((s) => s !== 'none'),
    progressMaxWaitMs: (config[`${prefix}_PROGRESS_MAX_WAIT_MS`] as number | undefined) ?? 300_000,
    stateBudgetBytes: budgetMb === 0 ? Infinity : budgetMb * 1024 * 1024,
    groupId: config[`${prefix}_GROUP_ID`] as string,
    // The runtime's tuning, as every service passes it to its tasks.
    task: {
      commitIntervalMs: config[`${prefix}_COMMIT_INTERVAL_MS`] as number,
      catchUpCommitIntervalMs: config[`${prefix}_CATCH_UP_COMMIT_INTERVAL_MS`] as number | undefined,
      maxIdleMs: config[`${prefix}_MAX_IDLE_MS`] as number,
      maxUncommittedRecords: config[`${prefix}_MAX_UNCOMMITTED`] as number,
    },
    sessionTimeoutMs: config[`${prefix}_SESSION_TIMEOUT_MS`] as number,
  };
}

/** Where the shared infrastructure is. Usually `loadConfig(connectionSpec)`. */
export interface ConnectionSettings {
  KAFKA_BROKERS: string[];
  SCHEMA_REGISTRY_URL: string;
  MONGODB_URI?: string;
  MONGODB_DATABASE?: string;
}

export interface InfrastructureOptions {
  connection: ConnectionSettings;
  /** Topics created up front (waiting for leaders) — the service's inputs, outputs and dead-letter topic. */
  topics: readonly TopicDefinition[];
  /** Value schemas registered at start-up, by topic. */
  schemas: Readonly<Record<string, object>>;
  /** When set, the service opens the store and creates these indexes. */
  store?: { database?: string; indexes: readonly IndexDefinition[] };
}

/**
 * The Kafka client, schema codec, producer and (optionally) store of one service, connected as the first component
 * of its runtime and closed as the last.
 */
export class Infrastructure implements Component {
  readonly name = 'infrastructure';
  private kafkaClient: Kafka | null = null;
  private schemaCodec: SchemaCodec | null = null;
  private eventProducer: EventProducer | null = null;
  private mongo: Store | null = null;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly options: InfrastructureOptions,
  ) {}

  get kafka(): Kafka {
    return this.require(this.kafkaClient, 'kafka');
  }
  get codec(): SchemaCodec {
    return this.require(this.schemaCodec, 'codec');
  }
  get producer(): EventProducer {
    return this.require(this.eventProducer, 'producer');
  }
  get store(): Store {
    return this.require(this.mongo, 'store');
  }

  async start(): Promise<void> {
    const { connection, topics, schemas } = this.options;
    const logger = this.runtime.logger;
    const security = kafkaSecurityFromEnv();
    this.kafkaClient = createKafka({ brokers: connection.KAFKA_BROKERS, clientId: this.runtime.name, logger, security });
    this.schemaCodec = new SchemaCodec({ registryUrl: connection.SCHEMA_REGISTRY_URL });
    const storeOptions = this.options.store;
    const [store] = await Promise.all([
      storeOptions
        ? openStore({
            uri: this.require(connection.MONGODB_URI, 'MONGODB_URI'),
            database: storeOptions.database ?? connection.MONGODB_DATABASE ?? 'creditstream',
            indexes: storeOptions.indexes,
            logger,
            appName: this.runtime.name,
          })
        : Promise.resolve(null),
      ensureTopics(this.kafkaClient, topics),
      Promise.all(Object.entries(schemas).map(([topic, schema]) => this.schemaCodec?.register(topic, schema))),
    ]);
    this.mongo = store;
    this.eventProducer = createProducer({ kafka: this.kafkaClient, codec: this.schemaCodec, metrics: this.runtime.metrics, logger });
    await this.eventProducer.connect();
    logger.info({ topics: topics.length, schemas: Object.keys(schemas).length, store: Boolean(store), kafkaSecurity: security.description }, 'infrastructure connected');
  }

  /**
   * A consumer runner wired to this infrastructure, the service's logger and metrics, as a component to add after
   * this one. A consumer that crashes beyond kafkajs' own restarts fails the service.
   */
  consumer<E>(options: Omit<ConsumerRunnerOptions<E>, 'kafka' | 'codec' | 'producer' | 'service' | 'logger' | 'metrics'> & { service?: string }): Component & { readonly runner: ConsumerRunner | null } {
    let runner: ConsumerRunner | null = null;
    const runtime = this.runtime;
    return {
      name: `consumer:${options.groupId ?? options.service ?? runtime.name}`,
      get runner() {
        return runner;
      },
      start: async () => {
        runner = createConsumerRunner<E>({
          ...options,
          service: options.service ?? runtime.name,
          kafka: this.kafka,
          codec: this.codec,
          producer: this.producer,
          logger: runtime.logger,
          metrics: runtime.metrics,
          onCrash: (err) => {
            options.onCrash?.(err);
            void runtime.fail(err);
          },
        });
        await runner.start();
      },
      stop: async () => {
        await runner?.stop();
      },
    };
  }

  /**
   * The service's partition tasks (the one way a stateful service consumes), checkpointing to `collection` of this
   * service's store, as a component to add after this one. A consumer that crashes beyond kafkajs' own restarts
   * fails the service.
   */
  streams<E, V>(options: Omit<StreamsRunnerOptions<E, V>, 'kafka' | 'codec' | 'producer' | 'service' | 'logger' | 'metrics' | 'checkpoints'> & { collection: string }): Component & { readonly runner: StreamsRunner<E, V> | null; readonly checkpoints: MongoCheckpointStore | null } {
    let runner: StreamsRunner<E, V> | null = null;
    let checkpoints: MongoCheckpointStore | null = null;
    const runtime = this.runtime;
    return {
      name: `streams:${options.groupId}`,
      get runner() {
        return runner;
      },
      get checkpoints() {
        return checkpoints;
      },
      start: async () => {
        checkpoints = new MongoCheckpointStore(this.store, options.collection);
        runner = createStreamsRunner<E, V>({
          ...options,
          service: runtime.name,
          kafka: this.kafka,
          codec: this.codec,
          producer: this.producer,
          checkpoints,
          logger: runtime.logger,
          metrics: runtime.metrics,
          onCrash: (err) => {
            options.onCrash?.(err);
            void runtime.fail(err);
          },
        });
        await runner.start();
      },
      stop: async () => {
        await runner?.stop();
      },
    };
  }

  async stop(): Promise<void> {
    await this.eventProducer?.disconnect();
    await this.mongo?.close();
  }

  private require<T>(value: T | null | undefined, what: string): T {
    if (value === null || value === undefined) throw new LifecycleError(`${what} is not available: service ${this.runtime.name} is ${this.runtime.state}`);
    return value;
  }
}
