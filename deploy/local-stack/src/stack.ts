import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '@creditstream/errors';
import { StackError } from './errors';
import { withLock } from './lock';
import { compileStackOptions, ENDPOINT_VARIABLES, PART_NAMES, type PartName } from './options';
import { kafkaClientEnv, kafkaPart, kafkaSecurityMismatch } from './parts/kafka';
import { mongodbPart } from './parts/mongodb';
import type { Part, PartContext } from './parts/part';
import { prometheusPart } from './parts/prometheus';
import { registryPart } from './parts/registry';
import { partLogFile, resolvePaths } from './paths';
import { pollUntil } from './poll';
import { portAnswers } from './ports';
import { isSameProcess } from './process/proc';
import { readRecord, removeRecord, writeRecord, type ProcessRecord } from './process/records';
import { rotateLog, spawnDetached } from './process/spawn';
import { stopProcess } from './process/stop';

/** Where the stack's parts answer: the values of the four environment variables the services read. */
export interface StackEndpoints {
  /** `KAFKA_BROKERS`: comma-separated host:port. */
  kafkaBrokers: string;
  /** `SCHEMA_REGISTRY_URL`: the Confluent-compatible API base URL. */
  schemaRegistryUrl: string;
  /** `MONGODB_URI` */
  mongodbUri: string;
  /** `PROMETHEUS_URL` */
  prometheusUrl: string;
  /**
   * How clients authenticate to a Kafka the stack started with `CREDITSTREAM_KAFKA_SECURITY=SASL_SSL`: the
   * `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*` and `KAFKA_SSL_CA_FILE` variables. Absent for a PLAINTEXT or external Kafka.
   */
  kafkaClientEnv?: Record<string, string>;
}

/** How `up` got a part: started it, found it already running from this checkout, or took it from the environment. */
export type PartOrigin = 'started' | 'reused' | 'external';

/** What `up` resolves to: the endpoints, and how each part was obtained. */
export interface UpResult extends StackEndpoints {
  origins: Record<PartName, PartOrigin>;
}

/** Options shared by `up`, `down` and `status`. */
export interface StackCallOptions {
  /** Environment to read ports, cache dir and endpoint variables from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Receives progress lines. @default writes them to stderr */
  log?: (line: string) => void;
}

/** Options of {@link down}. */
export interface DownOptions extends StackCallOptions {
  /** Which parts to stop. @default all */
  parts?: readonly PartName[];
}

/** One part as `status` sees it. */
export interface PartStatus {
  part: PartName;
  state: 'running' | 'stopped' | 'external';
  pid: number | undefined;
  ports: Record<string, number>;
  endpoint: string;
  healthy: boolean;
  /** Why it is unhealthy or stopped, when known. */
  detail: string | undefined;
  logFile: string;
}

const PARTS: Record<PartName, Part> = { kafka: kafkaPart, registry: registryPart, mongodb: mongodbPart, prometheus: prometheusPart };

/** `up` holds the stack lock while it installs and starts; a concurrent `up` waits that long at most. */
const STACK_LOCK_TIMEOUT_MS = 40 * 60_000;
const EXTERNAL_HEALTH_TIMEOUT_MS = 30_000;

function stderrLog(line: string): void {
  process.stderr.write(`[stack] ${line}\n`);
}

function contextOf(options: StackCallOptions): PartContext {
  const env = options.env ?? process.env;
  const paths = resolvePaths(env);
  mkdirSync(paths.runDir, { recursive: true });
  mkdirSync(paths.logsDir, { recursive: true });
  return { paths, options: compileStackOptions(env), log: options.log ?? stderrLog };
}

/** The last lines of a log (stack frames left out), to put the likely cause right into a start failure's message. */
function logTail(file: string, lines = 5): string {
  if (!existsSync(file)) return '';
  const tail = readFileSync(file, 'utf8').trimEnd().split('\n').filter((line) => line.trim() !== '' && !/^\s+at /.test(line) && !/^\s*\.\.\. \d+ more/.test(line)).slice(-lines);
  return tail.length === 0 ? '' : `\n  last log lines:\n${tail.map((line) => `    ${line.slice(0, 300)}`).join('\n')}\n `;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

async function ensureExternalHealthy(part: Part, endpoint: string, ctx: PartContext): Promise<void> {
  const variable = ENDPOINT_VARIABLES[part.name];
  ctx.log(`${part.name}: ${variable}=${endpoint} is set, not starting one; checking that it answers`);
  try {
    await pollUntil(() => part.health(endpoint), { what: `${variable}=${endpoint}`, timeoutMs: EXTERNAL_HEALTH_TIMEOUT_MS, intervalMs: 500 });
  } catch (err) {
    throw new StackError('STACK_START_FAILED', `${variable}=${endpoint} (from the environment) does not answer: ${errorMessage(err)}`, { part: part.name, retriable: true });
  }
}

async function reuseRunning(part: Part, record: ProcessRecord, ctx: PartContext): Promise<void> {
  try {
    await pollUntil(() => part.health(record.endpoint, ctx), { what: `${part.name} (pid ${record.pid}) health`, timeoutMs: part.startTimeoutMs, intervalMs: 500 });
  } catch (err) {
    throw new StackError('STACK_START_FAILED', `already running as pid ${record.pid} but not healthy: ${errorMessage(err)}; \`npm run stack -- down\` and try again`, { part: part.name, logFile: record.logFile, retriable: true });
  }
  ctx.log(`${part.name}: already running (pid ${record.pid}), healthy at ${record.endpoint}`);
}

async function ensurePortsFree(part: Part, ctx: PartContext): Promise<void> {
  for (const [role, port] of Object.entries(part.ports(ctx))) {
    if (await portAnswers(port)) {
      throw new StackError(
        'STACK_PORT_BUSY',
        `port ${port} (${role}) on 127.0.0.1 is in use by a process this checkout did not start; stop it, or set ${ENDPOINT_VARIABLES[part.name]} to use it, or move the stack with CREDITSTREAM_*_PORT`,
        { part: part.name },
      );
    }
  }
}

async function startPart(part: Part, ctx: PartContext): Promise<void> {
  const logFile = partLogFile(ctx.paths, part.name);
  await part.install(ctx);
  const began = Date.now();
  rotateLog(logFile);
  let spec;
  try {
    spec = await part.prepare(ctx, logFile);
  } catch (err) {
    if (err instanceof StackError) throw err;
    throw new StackError('STACK_START_FAILED', `preparing to start failed: ${errorMessage(err)}`, { part: part.name, logFile, cause: err });
  }
  ctx.log(`${part.name}: starting (log: ${logFile})`);
  let child;
  try {
    child = await spawnDetached(spec, logFile);
  } catch (err) {
    throw new StackError('STACK_START_FAILED', errorMessage(err), { part: part.name, logFile, cause: err });
  }
  const endpoint = part.endpoint(ctx);
  const record: ProcessRecord = { ...child.identity, part: part.name, endpoint, ports: part.ports(ctx), logFile, startedAt: new Date().toISOString() };
  writeRecord(ctx.paths.runDir, record);
  try {
    await pollUntil(() => part.health(endpoint, ctx), {
      what: `${part.name} health at ${endpoint}`,
      timeoutMs: part.startTimeoutMs,
      abortReason: () => {
        const exit = child.exitReason();
        return exit === undefined ? undefined : `the process ${exit}`;
      },
    });
  } catch (err) {
    // A process that never became healthy is of no use to anyone: stop it so the next `up` starts clean.
    await stopProcess(record, part.stopGraceMs, ctx.log).catch(() => undefined);
    removeRecord(ctx.paths.runDir, part.name);
    throw new StackError('STACK_START_FAILED', `did not become healthy: ${errorMessage(err)}${logTail(logFile)}`, { part: part.name, logFile, retriable: true, cause: err });
  }
  ctx.log(`${part.name}: ready at ${endpoint} (pid ${record.pid}, ${seconds(began)})`);
}

async function bringUp(part: Part, ctx: PartContext): Promise<{ origin: PartOrigin; endpoint: string }> {
  const external = ctx.options.external[part.name];
  if (external !== undefined) {
    await ensureExternalHealthy(part, external, ctx);
    return { origin: 'external', endpoint: external };
  }
  const record = readRecord(ctx.paths.runDir, part.name);
  if (record !== undefined && isSameProcess(record)) {
    const mismatch = part.name === 'kafka' ? kafkaSecurityMismatch(record.cmdline, ctx) : undefined;
    if (mismatch !== undefined) throw new StackError('STACK_START_FAILED', `pid ${record.pid} ${mismatch}`, { part: part.name, logFile: record.logFile });
    if (record.endpoint !== part.endpoint(ctx)) {
      ctx.log(`${part.name}: runs at ${record.endpoint}, not at the configured ${part.endpoint(ctx)}; reusing it (\`npm run stack -- down\` first to move it)`);
    }
    await reuseRunning(part, record, ctx);
    return { origin: 'reused', endpoint: record.endpoint };
  }
  if (record !== undefined) removeRecord(ctx.paths.runDir, part.name);
  await ensurePortsFree(part, ctx);
  await startPart(part, ctx);
  return { origin: 'started', endpoint: part.endpoint(ctx) };
}

function combine(failures: { part: PartName; error: unknown }[]): Error {
  const [first] = failures;
  if (failures.length === 1 && first !== undefined && first.error instanceof Error) return first.error;
  const message = failures.map((f) => `\n- ${errorMessage(f.error)}`).join('');
  return new StackError('STACK_START_FAILED', `${failures.length} parts failed:${message}`);
}

/**
 * Installs (on first use) and starts every part of the local stack that the environment does not point elsewhere,
 * in parallel, and resolves once each answers its health check. Parts already running from this checkout and
 * healthy are reused, so `up` is idempotent. A part that fails is named with the reason and its log file; the
 * parts that did come up keep running.
 */
export async function up(options: StackCallOptions = {}): Promise<UpResult> {
  const ctx = contextOf(options);
  return withLock(join(ctx.paths.runDir, 'stack.lock'), 'another `up`/`down` of this stack', STACK_LOCK_TIMEOUT_MS, ctx.log, async () => {
    const settled = await Promise.allSettled(PART_NAMES.map((name) => bringUp(PARTS[name], ctx)));
    const failures: { part: PartName; error: unknown }[] = [];
    const endpoints = {} as Record<PartName, string>;
    const origins = {} as Record<PartName, PartOrigin>;
    settled.forEach((outcome, i) => {
      const part = PART_NAMES[i] as PartName;
      if (outcome.status === 'rejected') failures.push({ part, error: outcome.reason });
      else {
        endpoints[part] = outcome.value.endpoint;
        origins[part] = outcome.value.origin;
      }
    });
    if (failures.length > 0) throw combine(failures);
    const kafkaEnv = origins.kafka === 'external' ? {} : kafkaClientEnv(ctx);
    return { kafkaBrokers: endpoints.kafka, schemaRegistryUrl: endpoints.registry, mongodbUri: endpoints.mongodb, prometheusUrl: endpoints.prometheus, ...(Object.keys(kafkaEnv).length > 0 ? { kafkaClientEnv: kafkaEnv } : {}), origins };
  });
}

/**
 * Stops the processes `up` started from this checkout (all parts, or `options.parts`): each only after /proc
 * confirms the recorded pid is still that process; SIGTERM, then SIGKILL after the part's grace period.
 * Never touches anything else.
 */
export async function down(options: DownOptions = {}): Promise<void> {
  const ctx = contextOf(options);
  const parts = options.parts ?? PART_NAMES;
  await withLock(join(ctx.paths.runDir, 'stack.lock'), 'another `up`/`down` of this stack', STACK_LOCK_TIMEOUT_MS, ctx.log, async () => {
    await Promise.all(
      parts.map(async (name) => {
        const record = readRecord(ctx.paths.runDir, name);
        if (record === undefined) {
          ctx.log(`${name}: not started by this checkout, nothing to stop`);
          return;
        }
        const began = Date.now();
        const outcome = await stopProcess(record, PARTS[name].stopGraceMs, ctx.log);
        removeRecord(ctx.paths.runDir, name);
        if (outcome === 'not-running') ctx.log(`${name}: pid ${record.pid} had already exited`);
        else ctx.log(`${name}: ${outcome} (pid ${record.pid}, ${seconds(began)})`);
      }),
    );
  });
}

async function checkOnce(part: Part, endpoint: string, ctx?: PartContext): Promise<string | undefined> {
  try {
    await part.health(endpoint, ctx);
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
}

/** Each part: running, stopped or external; its pid, ports, endpoint, and whether it answers its health check now. */
export async function status(options: StackCallOptions = {}): Promise<PartStatus[]> {
  const ctx = contextOf(options);
  return Promise.all(
    PART_NAMES.map(async (name): Promise<PartStatus> => {
      const part = PARTS[name];
      const logFile = partLogFile(ctx.paths, name);
      const external = ctx.options.external[name];
      if (external !== undefined) {
        const problem = await checkOnce(part, external);
        return { part: name, state: 'external', pid: undefined, ports: {}, endpoint: external, healthy: problem === undefined, detail: problem ?? `from ${ENDPOINT_VARIABLES[name]}`, logFile };
      }
      const record = readRecord(ctx.paths.runDir, name);
      if (record !== undefined && isSameProcess(record)) {
        const problem = await checkOnce(part, record.endpoint, ctx);
        return { part: name, state: 'running', pid: record.pid, ports: record.ports, endpoint: record.endpoint, healthy: problem === undefined, detail: problem, logFile };
      }
      const ports = part.ports(ctx);
      const busy: string[] = [];
      for (const [role, port] of Object.entries(ports)) if (await portAnswers(port)) busy.push(`${role} port ${port} is used by another process`);
      return { part: name, state: 'stopped', pid: undefined, ports, endpoint: part.endpoint(ctx), healthy: false, detail: busy.length > 0 ? busy.join(', ') : undefined, logFile };
    }),
  );
}

/**
 * The parts whose process `up` started from this checkout and which still run, read from the pid records and
 * /proc without asking them anything. Synchronous, for callers that cannot await.
 */
export function runningParts(env: NodeJS.ProcessEnv = process.env): PartName[] {
  const { runDir } = resolvePaths(env);
  return PART_NAMES.filter((name) => {
    const record = readRecord(runDir, name);
    return record !== undefined && isSameProcess(record);
  });
}

/** The log file of a part's process (`.stack/logs/<part>.log`); its install log is `<part>-install.log` beside it. */
export function logFile(part: PartName, env: NodeJS.ProcessEnv = process.env): string {
  return partLogFile(resolvePaths(env), part);
}

/** The four `NAME=value` lines `npm run stack -- up` prints, in that order, then a SASL_SSL Kafka's client variables. */
export function endpointLines(endpoints: StackEndpoints): string[] {
  return [
    `KAFKA_BROKERS=${endpoints.kafkaBrokers}`,
    `SCHEMA_REGISTRY_URL=${endpoints.schemaRegistryUrl}`,
    `MONGODB_URI=${endpoints.mongodbUri}`,
    `PROMETHEUS_URL=${endpoints.prometheusUrl}`,
    ...Object.entries(endpoints.kafkaClientEnv ?? {}).map(([name, value]) => `${name}=${value}`),
  ];
}
