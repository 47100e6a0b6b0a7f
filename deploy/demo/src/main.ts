/**
 * `npm run demo`: the whole system on the local stack. Brings the stack up, starts every service that exists,
 * replays a simulated history, then streams live events until Ctrl-C, and shuts everything down cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { down, endpointLines, up, type PartName } from '@creditstream/local-stack';
import { ProgressBar } from './progress';
import { cliMain, DEMO_SERVICES, serviceMain } from './services';
import { showRecentEvents } from './recent';

const SEED = Number(process.env.DEMO_SEED ?? 7);
const CUSTOMERS = Number(process.env.DEMO_CUSTOMERS ?? 200);
const HISTORY_DAYS = Number(process.env.DEMO_HISTORY_DAYS ?? 365);
const LIVE_RATE = Number(process.env.DEMO_LIVE_RATE ?? 20);
const START = '2024-01-01';

const say = (line: string) => process.stderr.write(`[demo] ${line}\n`);

interface Running {
  name: string;
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

function start(name: string, main: string, args: string[], env: NodeJS.ProcessEnv, stdio: 'inherit' | 'pipe' = 'inherit'): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [main, ...args], { env, stdio: ['ignore', stdio === 'pipe' ? 'pipe' : 'ignore', stdio === 'pipe' ? 'pipe' : 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

async function waitReady(url: string, name: string, exited: Promise<number | null>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${name} exited during start-up (see its log lines above)`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready at ${url}/readyz within 120 s`);
}

async function main(): Promise<void> {
  say('bringing up the local stack (first run installs Kafka, Apicurio, SecantusDB: a few minutes)');
  const endpoints = await up({ log: (line) => process.stderr.write(`[stack] ${line}\n`) });
  const startedParts = (Object.entries(endpoints.origins) as [PartName, string][]).filter(([, o]) => o === 'started').map(([p]) => p);
  for (const line of endpointLines(endpoints)) process.stdout.write(`${line}\n`);
  const env = { ...process.env, KAFKA_BROKERS: endpoints.kafkaBrokers, SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl, MONGODB_URI: endpoints.mongodbUri, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };

  const services: Running[] = [];
  let simulator: { child: ChildProcess; exited: Promise<number | null> } | null = null;
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(`${signal}: shutting down`);
    simulator?.child.kill('SIGTERM');
    for (const s of [...services].reverse()) s.child.kill('SIGTERM');
    await Promise.all(services.map((s) => s.exited));
    if (simulator) await simulator.exited;
    if (startedParts.length > 0) await down({ parts: startedParts, log: (line) => process.stderr.write(`[stack] ${line}\n`) });
    say('stopped cleanly');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  for (const svc of DEMO_SERVICES) {
    const main = serviceMain(svc.name);
    if (!main) {
      say(`${svc.name}: not in this version yet, skipped`);
      continue;
    }
    const url = `http://127.0.0.1:${svc.port}`;
    const proc = start(svc.name, main, [], { ...env, HTTP_PORT: String(svc.port) });
    await waitReady(url, svc.name, proc.exited);
    services.push({ name: svc.name, url, ...proc });
    say(`${svc.name}: ready at ${url} (/metrics, /livez, /readyz)`);
  }

  say(`replaying ${HISTORY_DAYS} days of history for ${CUSTOMERS} simulated customers (seed ${SEED}), then streaming live at ${LIVE_RATE} events/s`);
  simulator = start('simulator', cliMain(), ['simulate', '--seed', String(SEED), '--customers', String(CUSTOMERS), '--days', String(HISTORY_DAYS + 3650), '--start', START, '--rate', String(LIVE_RATE), '--history-days', String(HISTORY_DAYS)], env, 'pipe');
  const bar = new ProgressBar('history');
  const startMs = Date.parse(`${START}T00:00:00Z`);
  let live = false;
  let resolveLive: () => void = () => undefined;
  const wentLive = new Promise<void>((r) => (resolveLive = r));
  createInterface({ input: simulator.child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    const m = /simulated up to (\d{4}-\d{2}-\d{2}): ([\d,]+) events/.exec(line);
    if (!m) {
      process.stderr.write(`[simulate] ${line}\n`);
      return;
    }
    const day = (Date.parse(`${m[1]}T00:00:00Z`) - startMs) / 86_400_000;
    if (!live && day >= HISTORY_DAYS) {
      live = true;
      bar.done(`${m[2]} events up to ${m[1]}`);
      resolveLive();
    } else if (!live) {
      bar.update(day / HISTORY_DAYS, `${m[2]} events, business date ${m[1]}`);
    }
  });
  void simulator.exited.then((code) => {
    if (!shuttingDown) say(`the simulator stopped (exit code ${code})`);
    resolveLive();
  });
  await wentLive;

  say('live: events keep flowing. Where to look:');
  say(`  Prometheus:      ${endpoints.prometheusUrl}/graph?g0.expr=rate(creditstream_consumer_messages_total[1m])`);
  for (const s of services) say(`  ${s.name.padEnd(16)} ${s.url}/metrics`);
  say(`  Kafka:           ${endpoints.kafkaBrokers} (e.g. kcat -b ${endpoints.kafkaBrokers} -L)`);
  say(`  Schema registry: ${endpoints.schemaRegistryUrl}/subjects`);
  await showRecentEvents(endpoints, say);
  say('press Ctrl-C to stop everything');
}

main().catch((err: unknown) => {
  process.stderr.write(`[demo] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
