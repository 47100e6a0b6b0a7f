import { cpus, totalmem, release } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One measured figure. */
export interface Figure {
  /** NaN or an infinity when the figure was not reached (e.g. no output before the bench gave up); null once in JSON. */
  value: number;
  unit: string;
  /** What a figure is compared with (e.g. a goal), shown in the table. */
  goal?: string;
}

export interface BenchResult {
  benchmark: string;
  figures: Record<string, Figure>;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; kernel: string };
  /** How the machine's CPU time was spent during the run (Linux; absent elsewhere and in results written before). */
  cpu?: CpuShares;
  command: string;
  finishedAt: string;
  durationSeconds: number;
  notes?: string[];
}

export const BENCH_DIR = join(__dirname, '..', '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/** What machine a result was measured on. */
export function machine(): BenchResult['machine'] {
  const c = cpus();
  return { cpus: c.length, cpuModel: c[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kernel: release() };
}

/** A machine's CPU time since boot, all cores, in clock ticks (the `cpu` line of /proc/stat). */
export interface CpuTimes {
  /** user, nice, system, irq and softirq (guest time is inside user). */
  readonly busy: number;
  /** idle and iowait. */
  readonly idle: number;
  /** Time the hypervisor ran something else while this machine had work: its CPUs were not there. */
  readonly steal: number;
}

/** Percentages of the CPU time between two readings. */
export interface CpuShares {
  busyPct: number;
  idlePct: number;
  stealPct: number;
  /** The largest steal of any {@link CPU_WINDOW_MS} window of the run. */
  stealPctMax: number;
}

/** The window of {@link CpuShares.stealPctMax}. */
export const CPU_WINDOW_MS = 10_000;

/** The CPU times of a /proc/stat text, or null when it has no `cpu` line. */
export function parseCpuTimes(stat: string): CpuTimes | null {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}

function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : 0;
}

/** Shares of the CPU time from `from` to `to` (stealPctMax: this span's steal, the caller keeps the largest). */
export function cpuShares(from: CpuTimes, to: CpuTimes): CpuShares {
  const busy = to.busy - from.busy;
  const idle = to.idle - from.idle;
  const steal = to.steal - from.steal;
  const all = busy + idle + steal;
  const stealPct = percent(steal, all);
  return { busyPct: percent(busy, all), idlePct: percent(idle, all), stealPct, stealPctMax: stealPct };
}

/**
 * Watches the machine's CPU time from now until `stop()`: how much of it the run used, left idle, and lost to the
 * hypervisor (steal), and the largest steal of any `windowMs` window. A run with much steal measured a slower machine
 * than a quiet one; its figures do not compare. Null where /proc/stat cannot be read.
 */
export function watchCpu(read: () => string = () => readFileSync('/proc/stat', 'utf8'), windowMs: number = CPU_WINDOW_MS): { stop(): CpuShares } | null {
  const sample = (): CpuTimes | null => {
    try {
      return parseCpuTimes(read());
    } catch {
      return null;
    }
  };
  const first = sample();
  if (first === null) return null;
  let last = first;
  let stealPctMax = 0;
  const window = (): void => {
    const now = sample();
    if (now === null) return;
    stealPctMax = Math.max(stealPctMax, cpuShares(last, now).stealPct);
    last = now;
  };
  const timer = setInterval(window, windowMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      window();
      return { ...cpuShares(first, last), stealPctMax };
    },
  };
}

/** Writes `results/<name>.json` and regenerates the committed `RESULTS.md` from every result file. */
export function writeResult(result: BenchResult): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.benchmark}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), renderTable(readAll()));
  return file;
}

function readAll(): BenchResult[] {
  if (!existsSync(RESULTS_DIR)) return [];
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as BenchResult);
}

/** A figure's value as the table shows it. A value that was not reached (NaN, infinite) is stored as null in JSON. */
function format(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'not reached';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/** The markdown table of all results: one row per figure. */
export function renderTable(results: BenchResult[]): string {
  const lines = [
    '# Benchmark results',
    '',
    'Generated by `npm run bench -- NAME` (do not edit by hand). Each row is a figure measured on the machine named in its',
    'result file (`bench/results/NAME.json`), on the local stack (real Kafka, registry, MongoDB wire protocol server).',
    'Steal is the share of the machine\'s CPU time its hypervisor gave to others during the run (results since 2026-12-07):',
    'a run with much steal measured a slower machine, and its timing figures do not compare with a quiet one\'s.',
    '',
    '| Benchmark | Figure | Value | Unit | Goal | Measured | Machine |',
    '|---|---|---:|---|---|---|---|',
  ];
  for (const r of results) {
    for (const [name, f] of Object.entries(r.figures)) {
      lines.push(`| ${r.benchmark} | \`${name}\` | ${format(f.value)} | ${f.unit} | ${f.goal ?? ''} | ${r.finishedAt.slice(0, 10)} | ${r.machine.cpus} cores, ${r.machine.memoryGiB} GiB${r.cpu ? `, steal ${r.cpu.stealPct}%` : ''} |`);
    }
  }
  for (const r of results) {
    if (r.notes?.length) {
      lines.push('', `## ${r.benchmark}`, '', `Command: \`${r.command}\` (${r.durationSeconds.toFixed(0)} s)`, '', ...r.notes.map((n) => `- ${n}`));
      if (r.cpu) lines.push(`- The machine's CPU time during the run: ${r.cpu.busyPct}% busy, ${r.cpu.idlePct}% idle, ${r.cpu.stealPct}% stolen by the hypervisor (steal; up to ${r.cpu.stealPctMax}% over ${CPU_WINDOW_MS / 1000} s).`);
    }
  }
  return `${lines.join('\n')}\n`;
}
