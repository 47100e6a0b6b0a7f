import { join } from 'node:path';
import { ConfigError, env, loadConfig, type ConfigOf } from '@creditstream/config';
import { DEMO_SERVICES, REPO_ROOT } from './services';

/**
 * The demo's environment variables. Topic prefix and database are the ones every service reads, so a demo run with
 * `CREDITSTREAM_TOPIC_PREFIX` and `MONGODB_DATABASE` set is isolated from any other (tests run it that way).
 */
export const demoSpec = {
  DEMO_SEED: env.int('Seed of the simulated company (and of the model training).', { default: 7, min: 0 }),
  DEMO_CUSTOMERS: env.int('Simulated customers.', { default: 200, min: 1, max: 1_000_000 }),
  DEMO_HISTORY_DAYS: env.int('Calendar days of history replayed at full speed before the live stream (the trainer needs matured invoices: due more than 30 days before the end).', { default: 365, min: 120, max: 3650 }),
  DEMO_START: env.string('First business date of the simulated history (YYYY-MM-DD).', { default: '2024-01-01' }),
  DEMO_LIVE_RATE: env.number('Events per second of the live stream after the history.', { default: 20, min: 0.1, max: 100_000 }),
  DEMO_PORT_BASE: env.int(`HTTP port of the first service; the k-th of ${DEMO_SERVICES.join(', ')} listens on base + k.`, { default: 9461, min: 1, max: 65535 - DEMO_SERVICES.length }),
  DEMO_REPORT_DIR: env.string('Where the model report (HTML) is written.', { default: join(REPO_ROOT, '.cache', 'demo') }),
  DEMO_STEP_TIMEOUT_S: env.int('Longest wait for any one step (a service ready, catching up, training, re-scoring).', { default: 900, min: 10 }),
  CREDITSTREAM_TOPIC_PREFIX: env.string('Prefix of every topic name (isolates a run).', { optional: true }),
  MONGODB_DATABASE: env.string('Database of the read models and the model registry.', { default: 'creditstream' }),
  FEATURE_SERVICE_GROUP_ID: env.string('Consumer group of the feature service (default: <prefix>feature-service).', { optional: true }),
  SCORING_SERVICE_GROUP_ID: env.string('Consumer group of the scoring service (default: <prefix>scoring-service).', { optional: true }),
};

/** The demo's settings, validated once. */
export interface DemoOptions {
  readonly seed: number;
  readonly customers: number;
  readonly historyDays: number;
  readonly start: string;
  readonly liveRate: number;
  readonly portBase: number;
  readonly reportDir: string;
  readonly stepTimeoutMs: number;
  readonly topicPrefix: string;
  readonly database: string;
  readonly featureGroup: string;
  readonly scoringGroup: string;
}

/** Reads and validates the demo's settings; a bad value throws a ConfigError naming the variable. */
export function loadDemoOptions(source: Record<string, string | undefined> = process.env): DemoOptions {
  const c: ConfigOf<typeof demoSpec> = loadConfig(demoSpec, source);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(c.DEMO_START) || Number.isNaN(Date.parse(`${c.DEMO_START}T00:00:00Z`))) {
    throw new ConfigError('DEMO_START', `DEMO_START=${JSON.stringify(c.DEMO_START)} is invalid: expected a date YYYY-MM-DD`);
  }
  const prefix = c.CREDITSTREAM_TOPIC_PREFIX ?? '';
  return {
    seed: c.DEMO_SEED,
    customers: c.DEMO_CUSTOMERS,
    historyDays: c.DEMO_HISTORY_DAYS,
    start: c.DEMO_START,
    liveRate: c.DEMO_LIVE_RATE,
    portBase: c.DEMO_PORT_BASE,
    reportDir: c.DEMO_REPORT_DIR,
    stepTimeoutMs: c.DEMO_STEP_TIMEOUT_S * 1000,
    topicPrefix: prefix,
    database: c.MONGODB_DATABASE,
    featureGroup: c.FEATURE_SERVICE_GROUP_ID ?? `${prefix}feature-service`,
    scoringGroup: c.SCORING_SERVICE_GROUP_ID ?? `${prefix}scoring-service`,
  };
}
