import express, { type Express } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorCode, errorMessage } from '@creditstream/errors';
import { createLogger, type Logger } from '@creditstream/logging';
import { createMetrics, type StandardMetrics } from '@creditstream/metrics';
import { announceToPrometheus } from './discovery';
import { LifecycleError, StartupError } from './errors';

/** Named lifecycle states; `/readyz` is OK only in `running`, `/livez` in anything but `failed`. */
export type ServiceState = 'created' | 'starting' | 'running' | 'draining' | 'stopped' | 'failed';
const STATES: ServiceState[] = ['created', 'starting', 'running', 'draining', 'stopped', 'failed'];

/** Something the service starts in order and stops in reverse order (consumer, producer, store, ...). */
export interface Component {
  readonly name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface RuntimeOptions {
  /** Service name: logger name, metrics label, Prometheus target. */
  name: string;
  /** HTTP port for /metrics, /livez, /readyz and any routes. 0 = any free port. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Time allowed for draining before the stop is forced. @default 10000 */
  shutdownGraceMs?: number;
  logger?: Logger;
  metrics?: StandardMetrics;
}

/**
 * The runtime every creditstream service uses: an express app with `/metrics`, `/livez`, `/readyz`, explicit
 * states, components started in order and stopped in reverse, and a shutdown budget (grace, then force — both
 * logged).
 */
export class ServiceRuntime {
  readonly name: string;
  readonly logger: Logger;
  readonly metrics: StandardMetrics;
  readonly app: Express;
  private readonly components: Component[] = [];
  private readonly started: Component[] = [];
  private server: Server | null = null;
  private unannounce: () => void = () => undefined;
  private currentState: ServiceState = 'created';
  private stopping: Promise<void> | null = null;
  private markFailed: () => void = () => undefined;
  /** Resolves once the service has failed (see {@link fail}) and drained what it could; never if it stops cleanly. */
  readonly failed: Promise<void> = new Promise<void>((resolve) => (this.markFailed = resolve));
  private readonly port: number;
  private readonly host: string;
  private readonly graceMs: number;

  constructor(options: RuntimeOptions) {
    this.name = options.name;
    this.logger = options.logger ?? createLogger({ name: options.name });
    this.metrics = options.metrics ?? createMetrics({ service: options.name });
    this.port = options.port ?? 0;
    this.host = options.host ?? '127.0.0.1';
    this.graceMs = options.shutdownGraceMs ?? 10_000;
    this.app = express();
    this.app.disable('x-powered-by');
    this.app.get('/livez', (_req, res) => {
      res.status(this.currentState === 'failed' ? 503 : 200).json({ state: this.currentState });
    });
    this.app.get('/readyz', (_req, res) => {
      res.status(this.currentState === 'running' ? 200 : 503).json({ state: this.currentState });
    });
    this.app.get('/metrics', async (_req, res) => {
      res.set('content-type', this.metrics.registry.contentType);
      res.send(await this.metrics.registry.metrics());
    });
    this.setState('created');
  }

  get state(): ServiceState {
    return this.currentState;
  }

  /** Base URL of the HTTP server once started. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new LifecycleError(`${this.name} has no HTTP address: it is ${this.currentState}`);
    return `http://${this.host}:${address.port}`;
  }

  /** Adds a component; components start in the order added. */
  add<C extends Component>(component: C): C {
    if (this.currentState !== 'created') throw new LifecycleError(`cannot add component ${component.name} to ${this.name} in state ${this.currentState}`);
    this.components.push(component);
    return component;
  }

  /** Starts the HTTP server (so /livez answers during start-up), then every component; then `running`. */
  async start(): Promise<void> {
    if (this.currentState !== 'created') throw new LifecycleError(`cannot start ${this.name} in state ${this.currentState}`);
    this.setState('starting');
    // express 5's app.listen also calls its callback on a listen error, so the server is created and bound here,
    // where 'listening' and 'error' are told apart.
    const server = createServer(this.app);
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, this.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.server = null;
      this.setState('failed');
      this.logger.error({ err, host: this.host, port: this.port }, 'HTTP server failed to listen');
      throw new StartupError(`http server on ${this.host}:${this.port}`, err);
    }
    this.unannounce = announceToPrometheus(this.name, new URL(this.url).host);
    for (const c of this.components) {
      try {
        await c.start?.();
        this.started.push(c);
      } catch (err) {
        this.setState('failed');
        this.logger.error({ err, component: c.name }, 'component failed to start');
        await this.stopComponents();
        throw new StartupError(c.name, err);
      }
    }
    this.setState('running');
    this.logger.info({ url: this.url }, 'service running');
  }

  /**
   * Drains: stops components in reverse order within the grace budget. Past the budget the stop is forced (logged)
   * and the remaining components are abandoned; the caller (main) then exits.
   */
  stop(reason = 'requested'): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      const wasFailed = this.currentState === 'failed';
      this.setState('draining');
      this.logger.info({ reason, graceMs: this.graceMs }, 'draining');
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<'forced'>((resolve) => {
        timer = setTimeout(() => resolve('forced'), this.graceMs);
      });
      const outcome = await Promise.race([this.stopComponents().then(() => 'drained' as const), forced]);
      clearTimeout(timer);
      if (outcome === 'forced') this.logger.warn({ graceMs: this.graceMs }, 'shutdown grace exceeded: forcing stop');
      else this.logger.info('drained');
      this.unannounce();
      await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
      this.server?.closeAllConnections?.();
      this.setState(wasFailed ? 'failed' : 'stopped');
    })();
    return this.stopping;
  }

  /** Marks the service failed (e.g. its consumer crashed for good) and drains what can be drained. */
  fail(err: unknown): Promise<void> {
    this.logger.error({ err }, 'service failed');
    this.setState('failed');
    return this.stop('failed').then(this.markFailed);
  }

  private async stopComponents(): Promise<void> {
    while (this.started.length > 0) {
      const c = this.started.pop() as Component;
      try {
        await c.stop?.();
      } catch (err) {
        this.logger.error({ err, component: c.name }, 'component failed to stop');
      }
    }
  }

  private setState(state: ServiceState): void {
    this.currentState = state;
    for (const s of STATES) this.metrics.serviceState.set({ state: s }, s === state ? 1 : 0);
  }
}

/** Options of {@link startWithRetry}. */
export interface StartRetryOptions {
  /** How long start-up keeps trying while a dependency is unreachable. @default 120000 */
  budgetMs?: number;
  /** First pause between attempts (doubled each time, at most 10 s). @default 500 */
  initialDelayMs?: number;
  /** Asked before each new attempt: false gives up (e.g. a stop signal arrived). @default always true */
  shouldRetry?: () => boolean;
}

/**
 * True when `err`, or any error in its `cause` chain, says the failure is transient: a retriable error (kafkajs'
 * connection errors and retriable protocol errors carry `retriable: true`, as do creditstream's), or a MongoDB
 * network or server-selection error (the database is restarting or unreachable).
 */
export function isDependencyOutage(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e !== null && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if ((e as { retriable?: unknown }).retriable === true) return true;
    const name = (e as { name?: unknown }).name;
    if (typeof name === 'string' && /^Mongo(Network|NetworkTimeout|ServerSelection)Error$/.test(name)) return true;
  }
  return false;
}

/**
 * Creates and starts a service; when start-up fails because a dependency (Kafka, the registry, MongoDB) is
 * unreachable for the moment, stops what started, waits (doubling, at most 10 s) and creates and starts a fresh one,
 * within `budgetMs`. Any other failure, or one past the budget, is thrown at once. A process started while the
 * broker or the database restarts thus waits for it instead of exiting into an orchestrator's crash-loop backoff.
 */
export async function startWithRetry(create: () => Promise<ServiceRuntime>, options: StartRetryOptions = {}, onRuntime: (runtime: ServiceRuntime | null) => void = () => undefined): Promise<ServiceRuntime> {
  const deadline = Date.now() + (options.budgetMs ?? 120_000);
  let delay = options.initialDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    let runtime: ServiceRuntime | null = null;
    try {
      runtime = await create();
      onRuntime(runtime);
      await runtime.start();
      return runtime;
    } catch (err) {
      if (!isDependencyOutage(err) || Date.now() + delay > deadline || !(options.shouldRetry?.() ?? true)) throw err;
      runtime?.logger.warn({ attempt, retryInMs: delay, code: errorCode(err), err: errorMessage(err) }, 'start-up failed while a dependency is unreachable; starting again');
      await runtime?.stop('start-up failed').catch(() => undefined);
      onRuntime(null);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(10_000, delay * 2);
    }
  }
}

/**
 * Runs a service as the process: starts it (again while a dependency is unreachable: {@link startWithRetry}), stops
 * it on SIGTERM/SIGINT within its grace budget, exits non-zero on a failed start or a forced stop. `main.ts` of every
 * service is one call to this. The signal handlers are installed before start-up, so a SIGTERM that arrives while the
 * service is still starting stops it cleanly right after its components have started, instead of killing it half-way
 * (regression: an orchestrator stopping a slow starter).
 */
export async function runMain(create: () => Promise<ServiceRuntime>): Promise<void> {
  let runtime: ServiceRuntime | null = null;
  let started = false;
  let signalled: NodeJS.Signals | null = null;
  const stopAndExit = (rt: ServiceRuntime, signal: NodeJS.Signals) => {
    rt.logger.info({ signal }, 'signal received');
    rt.stop(signal).then(
      () => process.exit(rt.state === 'failed' ? 1 : 0),
      () => process.exit(1),
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    if (runtime && started) stopAndExit(runtime, signal);
    else if (!runtime) process.exit(0);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    runtime = await startWithRetry(create, { shouldRetry: () => signalled === null }, (rt) => (runtime = rt));
    started = true;
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
  if (signalled) stopAndExit(runtime, signalled);
  // A service that fails after start-up (a consumer crashed for good) has drained by now: the process says so.
  else void runtime.failed.then(() => process.exit(1));
}
