/**
 * `npm run demo`: the whole system on the local stack. Brings the stack up, starts every service that exists,
 * replays a simulated history, trains and publishes a model, waits until the scoring service predicts with it, prints
 * where to look, and streams live events until Ctrl-C; then shuts everything down and exits 0.
 * Settings: the DEMO_* variables (options.ts), CREDITSTREAM_TOPIC_PREFIX and MONGODB_DATABASE.
 */
import { errorMessage } from '@creditstream/errors';
import { down, endpointLines, runningParts, up, type PartName } from '@creditstream/local-stack';
import { loadDemoOptions, type DemoOptions } from './options';
import { ProcessGroup } from './processes';
import { runDemo, type DemoContext } from './run';

const say = (line: string) => process.stderr.write(`[demo] ${line}\n`);
const stackLog = (line: string) => process.stderr.write(`[stack] ${line}\n`);

/** How long a process may take to stop after SIGTERM before it is killed (services drain within 10 s). */
const STOP_GRACE_MS = 30_000;

async function main(): Promise<void> {
  let options: DemoOptions;
  try {
    options = loadDemoOptions();
  } catch (err) {
    say(errorMessage(err));
    process.exit(2);
  }
  const controller = new AbortController();
  const processes = new ProcessGroup((line) => process.stderr.write(`${line}\n`));
  const ctx: DemoContext = { options, processes, signal: controller.signal, say, timings: [] };

  // The stack parts this run starts, and only those, are stopped at the end: a stack that was already running (or
  // given by the environment) belongs to someone else.
  const runningBefore = new Set(runningParts());
  let startedParts: PartName[] | null = null;
  let stopping = false;
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) {
      say('already shutting down (services drain within 10 s)');
      return;
    }
    stopping = true;
    controller.abort();
    say(reason);
    await processes.stopAll(STOP_GRACE_MS, say);
    const parts = startedParts ?? runningParts().filter((p) => !runningBefore.has(p));
    if (parts.length > 0) await down({ parts, log: stackLog });
    say(exitCode === 0 ? 'stopped cleanly' : 'stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown('SIGINT: shutting down', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM: shutting down', 0));

  try {
    const t0 = Date.now();
    say('bringing up the local stack (first run installs Kafka, Apicurio, SecantusDB: a few minutes)');
    const endpoints = await up({ log: stackLog });
    startedParts = (Object.entries(endpoints.origins) as [PartName, string][]).filter(([, origin]) => origin === 'started').map(([part]) => part);
    ctx.timings.push(['stack', (Date.now() - t0) / 1000]);
    for (const line of endpointLines(endpoints)) process.stdout.write(`${line}\n`);
    await runDemo(ctx, endpoints);
  } catch (err) {
    // Ctrl-C during a step interrupts it; the shutdown already under way exits.
    if (stopping) return;
    await shutdown(`failed: ${errorMessage(err)}`, 1);
  }
}

void main();
