import { setTimeout as delay } from 'node:timers/promises';
import { StackError } from '../errors';
import { groupExists, isSameProcess, leadsProcessGroup } from './proc';
import type { ProcessRecord } from './records';

/** How a stop went. */
export type StopOutcome = 'stopped' | 'killed' | 'not-running';

async function waitGone(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (check()) {
    if (Date.now() >= deadline) return false;
    await delay(100);
  }
  return true;
}

/**
 * Stops the process of `record`, but only if /proc still shows that very process (same argv and start time): a pid
 * the kernel has since given to someone else is left alone. Sends SIGTERM to its process group, waits `graceMs`,
 * then SIGKILL; both are logged.
 */
export async function stopProcess(record: ProcessRecord, graceMs: number, log: (line: string) => void): Promise<StopOutcome> {
  if (!isSameProcess(record)) return 'not-running';
  const { pid, part } = record;
  // `up` starts every part as a session leader, so its children (if any) are in its group and go with it.
  const group = leadsProcessGroup(pid);
  const target = group ? -pid : pid;
  const alive = group ? () => groupExists(pid) : () => isSameProcess(record);
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(target, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  log(`${part}: SIGTERM to pid ${pid}${group ? ' (process group)' : ''}`);
  signal('SIGTERM');
  if (await waitGone(alive, graceMs)) return 'stopped';
  log(`${part}: pid ${pid} still running ${graceMs} ms after SIGTERM: SIGKILL`);
  signal('SIGKILL');
  if (await waitGone(alive, 10_000)) return 'killed';
  throw new StackError('STACK_STOP_FAILED', `pid ${pid} is still running 10 s after SIGKILL`, { part, logFile: record.logFile });
}
