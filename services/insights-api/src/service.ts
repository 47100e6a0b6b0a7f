import { join } from 'node:path';
import { CollectionsReader } from '@creditstream/collections-service';
import { ModelRegistry, REGISTRY_INDEXES } from '@creditstream/model';
import { DEAD_LETTER_SCHEMA, loadSchema, loadSchemaFile, TOPIC, topic as topicSpec } from '@creditstream/schemas';
import { Infrastructure, ServiceRuntime } from '@creditstream/service';
import { createApiRouter } from './app';
import { AuthFailureLimiter, trustProxy } from './auth-limiter';
import { CommandBus } from './commands';
import { ApiProblem } from './errors';
import type { InsightsApiConfig } from './config';
import { createHandlers } from './handlers';
import { createInsightsApiMetrics } from './metrics';
import { SnapshotLoader } from './snapshot-loader';
import { API_INDEXES, TokenStore, type Principal } from './tokens';
import { CreditDocuments } from './credit-documents';

export const SERVICE_NAME = 'insights-api';

/** Where `npm run build` puts the dashboard (dist/dashboard, beside dist/src). */
export const DASHBOARD_DIR = join(__dirname, '..', 'dashboard');

/** Topics whose events name the commands they carry out or refuse. */
export const OUTCOME_TOPICS = [TOPIC.creditDecisions, TOPIC.collectionActions] as const;

/** Public topics the API keeps its own record of: credit rule set versions (compacted topic) and what-if reports. */
export const RECORDED_TOPICS = [TOPIC.creditRules, TOPIC.creditWhatIf] as const;

export interface InsightsApiOptions {
  config: InsightsApiConfig;
  /** Prefix of every topic name (tests isolate themselves with it). @default '' */
  topicPrefix?: string;
  /** @default DASHBOARD_DIR */
  dashboardDir?: string;
}

export type InsightsApi = ServiceRuntime & { readonly tokens: () => TokenStore; readonly snapshots: () => SnapshotLoader; readonly commands: () => CommandBus };

/**
 * The insights API as a runtime component tree: the HTTP API and dashboard over the read models (through the
 * owning services' readers), commands produced to the owning services' command topics, and a consumer of their
 * outcome events that records what became of each command. `main.ts` starts it, tests start it in-process.
 */
export function createInsightsApi(options: InsightsApiOptions): InsightsApi {
  const { config } = options;
  const prefix = options.topicPrefix ?? '';
  const name = (t: string) => `${prefix}${t}`;
  const deadLetter = `creditstream.${SERVICE_NAME}.dlq.v1`;
  const runtime = new ServiceRuntime({ name: SERVICE_NAME, port: config.HTTP_PORT, host: config.HTTP_HOST, shutdownGraceMs: config.SHUTDOWN_GRACE_MS });
  const produced = [TOPIC.creditCommands, TOPIC.collectionCommands, TOPIC.modelsPublished];
  const schemas: Record<string, object> = {};
  for (const t of [...produced, ...OUTCOME_TOPICS, ...RECORDED_TOPICS]) schemas[name(t)] = loadSchema(t);
  schemas[name(deadLetter)] = loadSchemaFile(DEAD_LETTER_SCHEMA);
  const infra = runtime.add(
    new Infrastructure(runtime, {
      connection: config,
      topics: [...produced, ...OUTCOME_TOPICS, ...RECORDED_TOPICS, deadLetter].map((t) => ({ ...topicSpec(t), name: name(t) })),
      schemas,
      store: { database: config.MONGODB_DATABASE, indexes: [...API_INDEXES, ...REGISTRY_INDEXES] },
    }),
  );
  const metrics = createInsightsApiMetrics(runtime.metrics.registry);
  let tokens: TokenStore | null = null;
  let snapshots: SnapshotLoader | null = null;
  let commands: CommandBus | null = null;
  const need = <T>(x: T | null, what: string): T => {
    if (x === null) throw new ApiProblem('READ_MODELS_NOT_READY', `${what} is not available yet: ${SERVICE_NAME} is ${runtime.state}`);
    return x;
  };
  runtime.add({
    name: 'read-models',
    start: async () => {
      tokens = new TokenStore(infra.store);
      snapshots = new SnapshotLoader(infra.store, {
        refreshMs: config.INSIGHTS_API_REFRESH_MS,
        logger: runtime.logger,
        onLoad: (s, ms) => {
          metrics.snapshotLoadSeconds.observe(ms / 1000);
          metrics.snapshotLoadedTimestamp.set(s.loadedAt / 1000);
        },
      });
      commands = new CommandBus(
        infra.store,
        async (topic, key, event) => {
          await infra.producer.send(name(topic), [{ key, event }]);
          metrics.commands.inc({ type: String(event.type), outcome: 'accepted' });
        },
        () => `${snapshots?.snapshot.businessDate ?? new Date().toISOString().slice(0, 10)}T00:00:00.000Z`,
      );
      await snapshots.start();
    },
    stop: async () => {
      await snapshots?.stop();
    },
  });
  runtime.add(
    infra.consumer<{ eventId: string; eventTime: string; type: string; payload: Record<string, unknown> }>({
      groupId: config.INSIGHTS_API_GROUP_ID,
      topics: [...OUTCOME_TOPICS, ...RECORDED_TOPICS].map(name),
      deadLetterTopic: name(deadLetter),
      handler: async (messages) => {
        await new CreditDocuments(infra.store).apply(messages, { rules: name(TOPIC.creditRules), whatIf: name(TOPIC.creditWhatIf) });
        await need(commands, 'the command bus').applyOutcomes(messages);
        for (const { event } of messages) {
          if (typeof event.payload?.commandId === 'string') metrics.commands.inc({ type: event.type, outcome: event.type.endsWith('CommandRefused') ? 'refused' : 'effected' });
        }
      },
    }),
  );
  // Publishing a model is a command the API carries out itself (no service takes commands for the registry): it is
  // audited like the others, and the model-published event names the command as its cause.
  const publishModel = async (version: string, principal: Principal) => {
    const registry = new ModelRegistry(infra.store);
    await registry.get(version);
    const businessDate = need(snapshots, 'the read models').snapshot.businessDate;
    const record = await need(commands, 'the command bus').execute(principal, TOPIC.modelsPublished, 'PublishModel', '*', { version }, async ({ actor, eventId }) => {
      const { event } = await registry.publish(version, { publishedBy: actor, businessTime: `${businessDate ?? new Date().toISOString().slice(0, 10)}T00:00:00.000Z` });
      await infra.producer.send(name(TOPIC.modelsPublished), [{ key: '*', event: { ...event, causationId: eventId } }]);
      return { eventId: event.eventId, type: event.type, eventTime: event.eventTime };
    });
    metrics.commands.inc({ type: 'PublishModel', outcome: 'accepted' });
    metrics.commands.inc({ type: 'PublishModel', outcome: record.status });
    return record;
  };
  if (config.INSIGHTS_API_TRUST_PROXY !== undefined) runtime.app.set('trust proxy', trustProxy(config.INSIGHTS_API_TRUST_PROXY));
  runtime.app.use(
    createApiRouter({
      handlers: createHandlers({
        snapshot: () => need(snapshots, 'the read models').snapshot,
        registry: () => new ModelRegistry(infra.store),
        commands: () => need(commands, 'the command bus'),
        publishModel,
        credit: () => new CreditDocuments(infra.store),
        statements: async (customerId) => new CollectionsReader(infra.store).statements(customerId),
        pageLimit: config.INSIGHTS_API_PAGE_LIMIT,
      }),
      authenticate: (token) => need(tokens, 'the token store').verify(token),
      authFailures: new AuthFailureLimiter({ maxFailures: config.INSIGHTS_API_AUTH_FAILURES_PER_MINUTE, windowMs: 60_000 }),
      logger: runtime.logger,
      validateResponses: config.INSIGHTS_API_VALIDATE_RESPONSES,
      dashboardDir: options.dashboardDir ?? DASHBOARD_DIR,
      observe: (operation, status, seconds) => metrics.requests.observe({ operation, status: String(status) }, seconds),
    }),
  );
  return Object.assign(runtime, {
    tokens: () => need(tokens, 'the token store'),
    snapshots: () => need(snapshots, 'the read models'),
    commands: () => need(commands, 'the command bus'),
  });
}
