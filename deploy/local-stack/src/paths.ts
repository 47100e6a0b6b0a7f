import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { PartName } from './options';

/** Where the stack keeps its installs (shared across checkouts) and its runtime state (per checkout). */
export interface StackPaths {
  repoRoot: string;
  /** `${CREDITSTREAM_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/creditstream}`: installed parts, reused by every clone. */
  cacheDir: string;
  /**
   * `${CREDITSTREAM_STACK_DIR:-<repo root>/.stack}`: pid files, logs, data directories and generated configs
   * (git-ignored). Another directory (with other ports) runs a second stack, or a second Kafka, next to the first.
   */
  stateDir: string;
  runDir: string;
  logsDir: string;
}

/** The repository root: the nearest directory above this file whose package.json declares workspaces. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
      if (Array.isArray(parsed.workspaces)) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json with workspaces above ${from}: cannot find the creditstream repository root`);
    dir = parent;
  }
}

/** Resolves the stack's directories from the environment. */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): StackPaths {
  const repoRoot = findRepoRoot();
  const cacheDir = env.CREDITSTREAM_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'creditstream');
  const stateDir = env.CREDITSTREAM_STACK_DIR ? resolve(env.CREDITSTREAM_STACK_DIR) : join(repoRoot, '.stack');
  return { repoRoot, cacheDir: resolve(cacheDir), stateDir, runDir: join(stateDir, 'run'), logsDir: join(stateDir, 'logs') };
}

/** The log file of a part's running process. */
export function partLogFile(paths: StackPaths, part: PartName): string {
  return join(paths.logsDir, `${part}.log`);
}

/** The log file of a part's install. */
export function installLogFile(paths: StackPaths, part: string): string {
  return join(paths.logsDir, `${part}-install.log`);
}

/** The directory Prometheus reads `*.json` file_sd target files from. */
export function targetsDirOf(paths: StackPaths): string {
  return join(paths.stateDir, 'prometheus', 'targets');
}
