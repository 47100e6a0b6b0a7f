import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { errorMessage } from '@creditstream/errors';
import { StackError } from './errors';
import { withLock } from './lock';
import type { PartName } from './options';
import { installLogFile, type StackPaths } from './paths';

/** Written into an install directory after a complete install; without it the install is redone from scratch. */
export const INSTALL_MARKER = '.installed';

/** What an install step needs. */
export interface InstallContext {
  paths: StackPaths;
  log: (line: string) => void;
}

/** Installing can mean downloading a few hundred MB; a concurrent installer gets this long to finish. */
const INSTALL_LOCK_TIMEOUT_MS = 30 * 60_000;

/**
 * Ensures `<cache>/<dirName>` holds a complete install made by `build`, running it when the marker is missing.
 * A missing marker means the last attempt did not finish, so the directory is emptied first. Failures name the part,
 * the reason and the install log.
 */
export async function ensureInstalled(
  ctx: InstallContext,
  part: PartName | string,
  dirName: string,
  build: (dir: string, logFile: string) => Promise<void>,
): Promise<string> {
  const dir = join(ctx.paths.cacheDir, dirName);
  const marker = join(dir, INSTALL_MARKER);
  if (existsSync(marker)) return dir;
  const logFile = installLogFile(ctx.paths, part);
  return withLock(join(ctx.paths.cacheDir, `${dirName}.lock`), `the install of ${dirName}`, INSTALL_LOCK_TIMEOUT_MS, ctx.log, async () => {
    if (existsSync(marker)) return dir;
    const started = Date.now();
    ctx.log(`${part}: installing ${dirName} into ${dir} (log: ${logFile})`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      await build(dir, logFile);
    } catch (err) {
      throw new StackError('STACK_INSTALL_FAILED', `installing ${dirName} failed: ${errorMessage(err)}`, { part, logFile, retriable: true, cause: err });
    }
    writeFileSync(marker, `${JSON.stringify({ installedAt: new Date().toISOString() })}\n`);
    ctx.log(`${part}: installed ${dirName} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return dir;
  });
}

/** The absolute path of `command` on PATH, or undefined. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The path of `command`, or a STACK_PREREQUISITE_MISSING error naming the part and how to get it. */
export function requireCommand(part: PartName | string, command: string, howToGet: string): string {
  const found = findOnPath(command);
  if (found === undefined) throw new StackError('STACK_PREREQUISITE_MISSING', `\`${command}\` is not on PATH: ${howToGet}`, { part });
  return found;
}
