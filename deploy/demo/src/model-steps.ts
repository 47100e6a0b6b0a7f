import { DemoError } from './errors';
import { ProgressBar } from './progress';
import { succeeded, type ProcessGroup } from './processes';
import { cliMain } from './services';
import { interruptible } from './waiting';

const count = (s: string | undefined) => Number((s ?? '0').replace(/,/g, ''));

/**
 * The phases of `creditstream model train`, recognised in the lines it writes to stderr, with where each puts the
 * bar; the training phases only announce themselves.
 */
const TRAINING_PHASES: readonly { pattern: RegExp; at: (m: RegExpExecArray) => number; detail: (m: RegExpExecArray) => string }[] = [
  { pattern: /^read ([\d,]+) of ([\d,]+) events/, at: (m) => (0.35 * count(m[1])) / Math.max(1, count(m[2])), detail: (m) => `reading the event log: ${m[1]} of ${m[2]} events` },
  { pattern: /^read ([\d,]+) events; folding/, at: () => 0.35, detail: (m) => `folding ${m[1]} events in business-time order (point-in-time vectors)` },
  { pattern: /^(?:feature|event)-log: ([\d,]+) point-in-time vectors, data end ([\d-]+)/, at: () => 0.45, detail: (m) => `labelling ${m[1]} invoices (data end ${m[2]})` },
  { pattern: /^training on ([\d,]+) invoices/, at: () => 0.5, detail: (m) => `LightGBM on ${m[1]} invoices, early stopping on the next 15%` },
  { pattern: /^early stopping kept (\d+) rounds; refitting on ([\d,]+)/, at: () => 0.75, detail: (m) => `refitting ${m[1]} rounds on ${m[2]} invoices` },
  { pattern: /^explaining ([\d,]+) holdout/, at: () => 0.9, detail: (m) => `holdout metrics; TreeSHAP on ${m[1]} invoices` },
];

export interface CliContext {
  readonly processes: ProcessGroup;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}

/** Runs a `creditstream` command to its end and returns its standard output lines; a failure throws. */
export async function runCli(ctx: CliContext, args: readonly string[], onStderr?: (line: string) => void): Promise<string[]> {
  const stdout: string[] = [];
  const handle = ctx.processes.start(`creditstream ${args.slice(0, 2).join(' ')}`, cliMain(), args, { env: ctx.env, onStdout: (line) => stdout.push(line), ...(onStderr ? { onStderr } : {}) });
  await interruptible(succeeded(handle, `creditstream ${args.join(' ')}`), ctx.signal);
  return stdout;
}

/**
 * `creditstream model train`: from the feature service's log (the default source), point-in-time even after a fast
 * replay because the partition tasks fold the topics in business-time order. Returns the registered version; a
 * history below the trainer's minimum throws DEMO_HISTORY_TOO_SHORT.
 */
export async function trainModel(ctx: CliContext, seed: number): Promise<{ version: string; seconds: number }> {
  const bar = new ProgressBar('training');
  bar.update(0, 'reading the feature log');
  const args = ['model', 'train', '--seed', String(seed)];
  let stdout: string[];
  try {
    stdout = await runCli(ctx, args, (line) => {
      for (const phase of TRAINING_PHASES) {
        const m = phase.pattern.exec(line);
        if (m) return bar.update(phase.at(m), phase.detail(m));
      }
      bar.note(`[train] ${line}`);
    });
  } catch (err) {
    bar.abandon();
    if (err instanceof DemoError && err.code === 'DEMO_PROCESS_FAILED' && /not enough history/.test(err.message)) {
      throw new DemoError('DEMO_HISTORY_TOO_SHORT', `${err.message}\nthe history is too short for a LightGBM model: raise DEMO_HISTORY_DAYS or DEMO_CUSTOMERS`, { cause: err });
    }
    throw err;
  }
  const version = stdout.map((l) => /^registered (v\d+) in /.exec(l)?.[1]).find((v) => v !== undefined);
  if (version === undefined) throw new DemoError('DEMO_PROCESS_FAILED', `creditstream ${args.join(' ')} exited 0 but named no registered version:\n  ${stdout.join('\n  ')}`);
  return { version, seconds: bar.done(`registered ${version}`) };
}

/** `creditstream model publish VERSION`: the scoring service hot-reloads on the model-published event. */
export async function publishModel(ctx: CliContext, version: string): Promise<string> {
  const stdout = await runCli(ctx, ['model', 'publish', version, '--by', 'npm-run-demo']);
  return stdout.find((l) => l.startsWith('published ')) ?? `published ${version}`;
}

/** `creditstream model report VERSION --out DIR`; returns the HTML file's path. */
export async function writeReport(ctx: CliContext, version: string, dir: string): Promise<string> {
  const stdout = await runCli(ctx, ['model', 'report', version, '--out', dir]);
  const file = stdout.map((l) => /^wrote (.+)$/.exec(l)?.[1]).find((f) => f !== undefined);
  if (file === undefined) throw new DemoError('DEMO_PROCESS_FAILED', `creditstream model report ${version} named no file:\n  ${stdout.join('\n  ')}`);
  return file;
}
