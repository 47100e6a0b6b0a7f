import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DemoError } from './errors';

/** A Node.js process the demo started: a service, the simulator or a CLI command. */
export interface ChildHandle {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code, or the signal's name when a signal ended it. */
  readonly exited: Promise<number | string>;
  /** The latest lines it wrote to stderr, for error messages. */
  readonly lastStderr: string[];
  running(): boolean;
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  /** Each line of standard output; without it, standard output is passed through prefixed with the name. */
  onStdout?: (line: string) => void;
  /** Each line of standard error; without it, standard error is passed through prefixed with the name. */
  onStderr?: (line: string) => void;
}

const KEPT_STDERR_LINES = 20;

/**
 * The processes the demo started, so that shutting down (Ctrl-C, or a failed step) stops every one of them, the
 * latest first: the simulator and any running CLI command before the services they feed.
 */
export class ProcessGroup {
  private readonly handles: ChildHandle[] = [];

  constructor(private readonly write: (line: string) => void) {}

  /** Starts `node main args…`. */
  start(name: string, main: string, args: readonly string[], options: StartOptions): ChildHandle {
    const child = spawn(process.execPath, [main, ...args], { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new DemoError('DEMO_PROCESS_FAILED', `could not start ${name} (node ${main})`);
    let alive = true;
    const exited = new Promise<number | string>((resolve) =>
      child.on('exit', (code, signal) => {
        alive = false;
        resolve(code ?? signal ?? 'unknown');
      }),
    );
    const lastStderr: string[] = [];
    const passThrough = (line: string) => this.write(`[${name}] ${line}`);
    createInterface({ input: child.stdout }).on('line', options.onStdout ?? passThrough);
    createInterface({ input: child.stderr }).on('line', (line) => {
      lastStderr.push(line);
      if (lastStderr.length > KEPT_STDERR_LINES) lastStderr.shift();
      (options.onStderr ?? passThrough)(line);
    });
    const handle: ChildHandle = { name, pid: child.pid, child, exited, lastStderr, running: () => alive };
    this.handles.push(handle);
    return handle;
  }

  /**
   * Sends SIGTERM to every process still running, latest first, each after the later ones have exited; SIGKILL
   * after `graceMs` (a service drains within its own SHUTDOWN_GRACE_MS, 10 s by default).
   */
  async stopAll(graceMs: number, log: (line: string) => void): Promise<void> {
    for (const h of [...this.handles].reverse()) {
      if (!h.running()) continue;
      h.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if (h.running()) {
            log(`${h.name} (pid ${h.pid}) did not stop within ${graceMs / 1000} s of SIGTERM: SIGKILL`);
            h.child.kill('SIGKILL');
          }
          resolve();
        }, graceMs);
      });
      await Promise.race([h.exited, forced]);
      await h.exited;
      clearTimeout(timer);
    }
  }
}

/** Waits for a command to end; a non-zero exit throws with its last lines of standard error. */
export async function succeeded(handle: ChildHandle, what: string): Promise<void> {
  const code = await handle.exited;
  if (code !== 0) throw new DemoError('DEMO_PROCESS_FAILED', `${what} failed (exit ${code})${handle.lastStderr.length > 0 ? `:\n  ${handle.lastStderr.join('\n  ')}` : ''}`);
}
