import { readFileSync } from 'node:fs';

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
 * than a quiet one; its figures do not compare, and a test that timed out there may have waited on the machine.
 * `onWindow` sees each window's shares as it ends. Null where /proc/stat cannot be read.
 */
export function watchCpu(
  read: () => string = () => readFileSync('/proc/stat', 'utf8'),
  windowMs: number = CPU_WINDOW_MS,
  onWindow: (endedAt: number, shares: CpuShares) => void = () => undefined,
): { stop(): CpuShares } | null {
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
    const shares = cpuShares(last, now);
    stealPctMax = Math.max(stealPctMax, shares.stealPct);
    last = now;
    onWindow(Date.now(), shares);
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

/** One window of a watch: when it ended (ms since the epoch) and its steal. */
export interface CpuWindow {
  readonly endedAt: number;
  readonly stealPct: number;
}

/**
 * The spans of consecutive windows (each `windowMs` long) whose steal reached `thresholdPct`, in UTC wall-clock time
 * with each span's largest steal, e.g. `09:03:10–09:07:30 (up to 64%)`: what a log of timestamped lines is read against.
 */
export function stolenSpans(windows: readonly CpuWindow[], thresholdPct: number, windowMs: number = CPU_WINDOW_MS): string[] {
  const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  const spans: { from: number; to: number; max: number }[] = [];
  for (const w of windows) {
    if (w.stealPct < thresholdPct) continue;
    const last = spans[spans.length - 1];
    // Windows end about windowMs apart; a timer that fired late still joins its neighbour.
    if (last !== undefined && w.endedAt - last.to <= 1.5 * windowMs) {
      last.to = w.endedAt;
      last.max = Math.max(last.max, w.stealPct);
    } else {
      spans.push({ from: w.endedAt - windowMs, to: w.endedAt, max: w.stealPct });
    }
  }
  return spans.map((s) => `${time(s.from)}–${time(s.to)} (up to ${s.max}%)`);
}

/** A run's CPU shares in words. */
export function describeCpu(shares: CpuShares): string {
  return `${shares.busyPct}% busy, ${shares.idlePct}% idle, ${shares.stealPct}% stolen by the hypervisor (steal; up to ${shares.stealPctMax}% over ${CPU_WINDOW_MS / 1000} s)`;
}
