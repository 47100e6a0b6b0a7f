import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { identify, type ProcessIdentity } from './proc';

/** A command to run. */
export interface CommandSpec {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** A started background process. */
export interface DetachedProcess {
  identity: ProcessIdentity;
  /** Why the process ended, once it has (while this Node process still watches it); undefined while it runs. */
  exitReason(): string | undefined;
}

/** How long a just-spawned process may take to show its command line in /proc: 100 × 20 ms. */
const IDENTIFY_ATTEMPTS = 100;
const IDENTIFY_INTERVAL_MS = 20;

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
}

/** Keeps the previous run's log as `<file>.1`, so each start has a fresh log and one run of history stays. */
export function rotateLog(logFile: string): void {
  mkdirSync(dirname(logFile), { recursive: true });
  if (existsSync(logFile)) renameSync(logFile, `${logFile}.1`);
}

/**
 * Starts `spec` in its own session (so it outlives this process and `down` can signal its whole process group),
 * with stdout and stderr appended to `logFile`. Resolves once the program is executing.
 */
export async function spawnDetached(spec: CommandSpec, logFile: string): Promise<DetachedProcess> {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  let exit: string | undefined;
  try {
    writeSync(fd, `# ${new Date().toISOString()} starting: ${[spec.command, ...spec.args].join(' ')}\n`);
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`cannot run ${spec.command}: ${err.message}`)));
    });
    child.once('exit', (code, signal) => {
      exit = describeExit(code, signal);
    });
    child.unref();
    const pid = child.pid;
    // Right after exec, /proc/<pid>/cmdline can still read empty (seen in CI under load: Prometheus was reported as
    // "exited at once" while it ran, and the next `up` found its port held by a process with no record). Poll briefly.
    let identity = pid === undefined ? undefined : identify(pid);
    for (let attempt = 0; identity === undefined && pid !== undefined && exit === undefined && attempt < IDENTIFY_ATTEMPTS; attempt++) {
      await new Promise((r) => setTimeout(r, IDENTIFY_INTERVAL_MS));
      identity = identify(pid);
    }
    if (identity === undefined) throw new Error(`${spec.command} ${exit ?? 'exited at once'}`);
    return { identity, exitReason: () => exit };
  } finally {
    closeSync(fd);
  }
}
