import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CommandSpec } from './spawn';

/**
 * Runs a command to completion with its output appended to `logFile`. Rejects naming the command and its exit
 * status when it fails; the log has the details. Arguments listed in `redact` (secrets) are shown as `***`.
 */
export async function runLogged(spec: CommandSpec, logFile: string, options: { redact?: readonly string[] } = {}): Promise<void> {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const secret = new Set(options.redact ?? []);
  const shown = [spec.command, ...spec.args.map((a) => (secret.has(a) ? '***' : a))].join(' ');
  try {
    writeSync(fd, `\n# ${new Date().toISOString()} $ ${shown}\n`);
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['ignore', fd, fd] });
    await new Promise<void>((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`cannot run \`${shown}\`: ${err.message}`)));
      child.once('exit', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`\`${shown}\` ${signal === null ? `exited with code ${code}` : `was killed by ${signal}`}`));
      });
    });
  } finally {
    closeSync(fd);
  }
}
