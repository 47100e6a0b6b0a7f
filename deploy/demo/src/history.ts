import { DemoError } from './errors';
import { ProgressBar } from './progress';
import type { ChildHandle, ProcessGroup } from './processes';
import { cliMain } from './services';
import { interruptible } from './waiting';

export interface SimulatorSettings {
  readonly seed: number;
  readonly customers: number;
  readonly historyDays: number;
  readonly start: string;
  readonly liveRate: number;
}

/** The live stream lasts this long in business time after the history (the demo runs until Ctrl-C anyway). */
const LIVE_DAYS = 3650;

const DAY_MS = 86_400_000;

/**
 * Business days (Monday to Friday, the simulator's calendar) among the `calendarDays` days from `start`.
 * `creditstream simulate --history-days N` counts the business days it writes, while its `--days` counts calendar
 * days: the demo's history is given in calendar days and converted here.
 */
export function businessDaysIn(start: string, calendarDays: number): number {
  const first = Date.parse(`${start}T00:00:00Z`) / DAY_MS;
  let n = 0;
  for (let day = first; day < first + calendarDays; day++) if (new Date(day * DAY_MS).getUTCDay() % 6 !== 0) n++;
  return n;
}

/**
 * Starts `creditstream simulate` with `--history-days`: the first days as fast as possible (the history replay,
 * with a progress bar from the business dates it reports), then paced at the live rate. Resolves once the
 * simulator reports a business date past the history, with the simulator still running (the live stream).
 */
export async function replayHistory(processes: ProcessGroup, env: NodeJS.ProcessEnv, s: SimulatorSettings, signal: AbortSignal, say: (line: string) => void): Promise<{ simulator: ChildHandle; events: string; seconds: number }> {
  const bar = new ProgressBar('history');
  bar.update(0, `business date ${s.start}`);
  const startMs = Date.parse(`${s.start}T00:00:00Z`);
  let resolveLive: (events: string) => void = () => undefined;
  const wentLive = new Promise<string>((resolve) => (resolveLive = resolve));
  let live = false;
  const args = ['simulate', '--seed', String(s.seed), '--customers', String(s.customers), '--days', String(s.historyDays + LIVE_DAYS), '--start', s.start, '--rate', String(s.liveRate), '--history-days', String(businessDaysIn(s.start, s.historyDays))];
  const simulator = processes.start('simulate', cliMain(), args, {
    env,
    onStderr: (line) => {
      const m = /simulated up to (\d{4}-\d{2}-\d{2}): ([\d,]+) events/.exec(line);
      if (!m) return bar.note(`[simulate] ${line}`);
      if (live) return;
      const day = (Date.parse(`${m[1]}T00:00:00Z`) - startMs) / DAY_MS;
      if (day >= s.historyDays) {
        live = true;
        resolveLive(m[2] ?? '?');
      } else {
        bar.update(day / s.historyDays, `${m[2]} events, business date ${m[1]}`);
      }
    },
  });
  void simulator.exited.then((code) => {
    if (!signal.aborted) say(`the simulator stopped (exit ${code})`);
  });
  const ended: Promise<never> = simulator.exited.then((code) => {
    throw new DemoError('DEMO_PROCESS_FAILED', `the simulator exited (${code}) before the history was replayed:\n  ${simulator.lastStderr.join('\n  ')}`);
  });
  ended.catch(() => undefined); // the simulator ending after the history is reported above, not an error
  try {
    const events = await interruptible(Promise.race([wentLive, ended]), signal);
    return { simulator, events, seconds: bar.done(`${events} events; now live at ${s.liveRate} events/s`) };
  } catch (err) {
    bar.abandon();
    throw err;
  }
}
