/**
 * Mocha global fixtures, loaded through `.mocharc.json`'s `require`: the tests run against the real local stack,
 * whose endpoints they read from KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI and PROMETHEUS_URL; afterwards
 * the parts this run started are stopped. Only `mochaGlobalSetup`, `mochaGlobalTeardown` and `mochaHooks` are
 * exported, the names mocha looks for.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { cliPath, down, endpointLines, PART_NAMES, runningParts, up, type PartName } from '@creditstream/local-stack';
import { describeCpu, stolenSpans, watchCpu, type CpuWindow } from '@creditstream/testing';

const ENDPOINT_VARIABLES = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGODB_URI', 'PROMETHEUS_URL'] as const;

function say(line: string): void {
  process.stderr.write(`[global-setup] ${line}\n`);
}

/** The parts whose endpoint the environment gave before this run touched it. */
const givenByEnvironment = new Set<PartName>(PART_NAMES.filter((_, i) => process.env[ENDPOINT_VARIABLES[i] as string]));

/**
 * Mocha loads every spec file before it runs `mochaGlobalSetup`, and spec files may read the endpoints while they
 * load (in `describe` bodies). So the stack is brought up here, when this module is required, before any spec file
 * loads: synchronously, through the CLI in a child process (progress on stderr, the four lines on stdout).
 */
function bringUpBeforeSpecsLoad(): PartName[] {
  if (ENDPOINT_VARIABLES.every((name) => process.env[name])) return [];
  const before = new Set(runningParts());
  const stdout = execFileSync(process.execPath, [cliPath(), 'up'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  for (const line of stdout.split('\n')) {
    const match = /^([A-Z_]+)=(.+)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined && (ENDPOINT_VARIABLES as readonly string[]).includes(match[1])) process.env[match[1]] = match[2];
  }
  const missing = ENDPOINT_VARIABLES.filter((name) => !process.env[name]);
  if (missing.length > 0) throw new Error(`\`${cliPath()} up\` printed no ${missing.join(', ')}: ${stdout}`);
  return runningParts().filter((part) => !before.has(part));
}

// Services started in-process by tests log warnings and errors only, unless the caller asks for more.
process.env.LOG_LEVEL ??= 'warn';

const startedByThisRun = bringUpBeforeSpecsLoad();

/**
 * The machine's CPU time over the whole run, window by window: on a host whose hypervisor takes much of the CPU
 * (steal), every wait of a test lasts longer, and a test that timed out there says so in the log.
 */
const cpuWindows: CpuWindow[] = [];
const runCpu = watchCpu(undefined, undefined, (endedAt, shares) => cpuWindows.push({ endedAt, stealPct: shares.stealPct }));
let testCpu: ReturnType<typeof watchCpu> = null;

/** The `count` processes with the most CPU time over their lifetime, a line each (`ps`; empty where it fails). */
function busiestProcesses(count: number): string {
  try {
    const out = execFileSync('ps', ['-eo', 'pid,ppid,pcpu,etimes,args', '--sort=-pcpu'], { encoding: 'utf8', timeout: 5_000 });
    return out.split('\n').slice(0, count + 1).map((l) => `    ${l.slice(0, 200)}`).join('\n');
  } catch (err) {
    return `    (ps failed: ${err instanceof Error ? err.message : String(err)})`;
  }
}

/** Steal at or above this share of a window is listed at the end of the run. */
const STEAL_REPORTED_PCT = 20;

/** Root hooks: each failed test is followed by the machine's CPU time during it. */
export const mochaHooks = {
  beforeEach(): void {
    testCpu = watchCpu();
  },
  afterEach(this: Mocha.Context): void {
    const shares = testCpu?.stop();
    testCpu = null;
    if (shares !== undefined && this.currentTest?.state === 'failed') {
      say(`"${this.currentTest.fullTitle()}" failed; the machine's CPU time during it: ${describeCpu(shares)}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; the processes that used the most CPU (a process an earlier test left running shows here):\n${busiestProcesses(5)}`);
    }
  },
};

/**
 * Confirms every part answers (starting any that the environment does not provide and that is not running),
 * exports the four endpoint variables, and logs which real endpoint the tests use for each part.
 */
export async function mochaGlobalSetup(): Promise<void> {
  const endpoints = await up({ log: (line) => process.stderr.write(`[stack] ${line}\n`) });
  process.env.KAFKA_BROKERS = endpoints.kafkaBrokers;
  process.env.SCHEMA_REGISTRY_URL = endpoints.schemaRegistryUrl;
  process.env.MONGODB_URI = endpoints.mongodbUri;
  process.env.PROMETHEUS_URL = endpoints.prometheusUrl;
  const lines = endpointLines(endpoints);
  PART_NAMES.forEach((part, i) => {
    if (endpoints.origins[part] === 'started') startedByThisRun.push(part);
    const how = startedByThisRun.includes(part) ? 'started by this run' : givenByEnvironment.has(part) ? 'given by the environment' : 'already running';
    say(`${part}: tests use ${lines[i] ?? ''} (${how})`);
  });
}

/**
 * Says how the machine's CPU time was spent during the run; stops the parts this run started, unless
 * CREDITSTREAM_KEEP_STACK=1 (parts it found running are left alone).
 */
export async function mochaGlobalTeardown(): Promise<void> {
  const shares = runCpu?.stop();
  if (shares !== undefined) {
    const spans = stolenSpans(cpuWindows, STEAL_REPORTED_PCT);
    say(`the machine's CPU time during this run: ${describeCpu(shares)}${spans.length > 0 ? `; steal of ${STEAL_REPORTED_PCT}% or more (UTC): ${spans.join(', ')}` : ''}`);
  }
  if (startedByThisRun.length === 0) return;
  if (process.env.CREDITSTREAM_KEEP_STACK === '1') {
    say(`CREDITSTREAM_KEEP_STACK=1: leaving ${startedByThisRun.join(', ')} running (\`npm run stack -- down\` stops them)`);
    return;
  }
  await down({ parts: startedByThisRun, log: (line) => process.stderr.write(`[stack] ${line}\n`) });
}
