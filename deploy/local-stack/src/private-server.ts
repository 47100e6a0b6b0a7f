import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { StackError } from './errors';
import { compileStackOptions } from './options';
import { kafkaPart } from './parts/kafka';
import { mongodbPart } from './parts/mongodb';
import type { Part, PartContext } from './parts/part';
import { resolvePaths } from './paths';
import { pollUntil } from './poll';
import type { ProcessRecord } from './process/records';
import { spawnDetached, type DetachedProcess } from './process/spawn';
import { stopProcess } from './process/stop';

/** The parts a test can run a private copy of (the ones it may need to restart under it). */
export type PrivatePartName = 'kafka' | 'mongodb';

/** Options of {@link startPrivateServer}. */
export interface PrivateServerOptions {
  part: PrivatePartName;
  /** Its own state directory (configuration, data, log); created if missing. */
  dir: string;
  /** Receives progress lines. @default writes them to stderr */
  log?: (line: string) => void;
  /** Environment to read the cache directory from. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** A private Kafka broker or MongoDB wire-protocol server, on free ports and its own data directory. */
export interface PrivateServer {
  readonly part: PrivatePartName;
  /** The value for `KAFKA_BROKERS` or `MONGODB_URI`. */
  readonly endpoint: string;
  readonly logFile: string;
  /** The pid of the running process (changes with every restart), or undefined while it is stopped. */
  readonly pid: number | undefined;
  /**
   * Stops it (`signal` SIGTERM: a clean stop with the part's grace; SIGKILL: a crash) and starts it again on the same
   * ports and data; resolves once it answers its health check again, with how long it was down.
   */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<{ downMs: number }>;
  /** Stops it (SIGTERM, then SIGKILL after the grace); with `remove`, deletes its directory too. */
  stop(options?: { remove?: boolean }): Promise<void>;
}

const PARTS: Record<PrivatePartName, Part> = { kafka: kafkaPart, mongodb: mongodbPart };

/** A port nobody listens on right now, chosen by the kernel. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Every private server still running, killed when this process exits so none outlives the test that started it. */
const running = new Set<number>();
let exitHookInstalled = false;
function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Starts a private copy of the local stack's Kafka broker (single-node KRaft) or SecantusDB, with the same install,
 * configuration and health check as `npm run stack -- up`, but on free ports and in `dir`: for tests that restart a
 * broker or a database, which must never touch the shared stack. It is not recorded in `.stack/run`, so `up`, `down`
 * and `status` never see it; it is killed when the process that started it exits.
 */
export async function startPrivateServer(options: PrivateServerOptions): Promise<PrivateServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`[private ${options.part}] ${line}\n`));
  const part = PARTS[options.part];
  const base = compileStackOptions({ ...env, KAFKA_BROKERS: undefined, SCHEMA_REGISTRY_URL: undefined, MONGODB_URI: undefined, PROMETHEUS_URL: undefined });
  const ports = { ...base.ports };
  if (options.part === 'kafka') {
    ports.kafka = await freePort();
    ports.kafkaController = await freePort();
    if (ports.kafkaController === ports.kafka) ports.kafkaController = await freePort();
  } else ports.mongodb = await freePort();
  const paths = { ...resolvePaths(env), stateDir: options.dir, runDir: join(options.dir, 'run'), logsDir: join(options.dir, 'logs') };
  const ctx: PartContext = { paths, options: { ports, external: {} }, log };
  const logFile = join(paths.logsDir, `${part.name}.log`);
  const endpoint = part.endpoint(ctx);
  await part.install(ctx);

  let record: ProcessRecord | undefined;
  let child: DetachedProcess | undefined;
  const launch = async (): Promise<void> => {
    const spec = await part.prepare(ctx, logFile);
    const spawned = await spawnDetached(spec, logFile);
    child = spawned;
    record = { ...spawned.identity, part: part.name, endpoint, ports: part.ports(ctx), logFile, startedAt: new Date().toISOString() };
    running.add(spawned.identity.pid);
    killAllOnExit();
    await pollUntil(() => part.health(endpoint), {
      what: `private ${part.name} health at ${endpoint}`,
      timeoutMs: part.startTimeoutMs,
      abortReason: () => {
        const exit = spawned.exitReason();
        return exit === undefined ? undefined : `the process ${exit} (log: ${logFile})`;
      },
    });
  };
  const halt = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    if (record === undefined) return;
    const stopping = record;
    record = undefined;
    if (signal === 'SIGKILL') {
      try {
        process.kill(-stopping.pid, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
      await pollUntil(async () => {
        if (child?.exitReason() === undefined) throw new Error('still running');
      }, { what: `private ${part.name} (pid ${stopping.pid}) to die`, timeoutMs: 10_000, intervalMs: 50 });
    } else await stopProcess(stopping, part.stopGraceMs, log);
    running.delete(stopping.pid);
  };

  try {
    await launch();
  } catch (err) {
    await halt('SIGKILL').catch(() => undefined);
    throw new StackError('STACK_START_FAILED', `private ${part.name} in ${options.dir}: ${err instanceof Error ? err.message : String(err)}`, { part: part.name, logFile, retriable: true, cause: err });
  }
  log(`${part.name}: private server ready at ${endpoint} (pid ${record?.pid}, data in ${options.dir})`);
  return {
    part: options.part,
    endpoint,
    logFile,
    get pid() {
      return record?.pid;
    },
    async restart(signal = 'SIGTERM') {
      const began = Date.now();
      await halt(signal);
      await launch();
      const downMs = Date.now() - began;
      log(`${part.name}: restarted after ${signal} (pid ${record?.pid}, down ${downMs} ms)`);
      return { downMs };
    },
    async stop(stopOptions = {}) {
      await halt('SIGTERM');
      if (stopOptions.remove) rmSync(options.dir, { recursive: true, force: true });
    },
  };
}
