import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { StackError } from './errors';
import { identify, isSameProcess, type ProcessIdentity } from './process/proc';

/** A lock directory left without an owner file for this long is a crash between mkdir and write: stale. */
const OWNERLESS_STALE_MS = 30_000;

function ownerOf(lockDir: string): ProcessIdentity | undefined | 'unknown' {
  try {
    return JSON.parse(readFileSync(join(lockDir, 'owner.json'), 'utf8')) as ProcessIdentity;
  } catch {
    try {
      return Date.now() - statSync(lockDir).mtimeMs > OWNERLESS_STALE_MS ? undefined : 'unknown';
    } catch {
      return undefined;
    }
  }
}

/**
 * Runs `fn` holding the lock directory `lockDir`, so that two `up`s (two test runs, or two clones sharing the
 * cache) never install or start the same thing at once. A lock whose owner process is gone is taken over.
 */
export async function withLock<T>(lockDir: string, what: string, timeoutMs: number, log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lockDir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = ownerOf(lockDir);
    if (owner === undefined || (owner !== 'unknown' && !isSameProcess(owner))) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const holder = owner === 'unknown' ? 'another process' : `pid ${owner.pid}`;
      throw new StackError('STACK_LOCK_TIMEOUT', `${what}: ${lockDir} still held by ${holder} after ${timeoutMs} ms`);
    }
    if (!announced) {
      log(`waiting for ${what}: ${lockDir} is held by ${owner === 'unknown' ? 'another process' : `pid ${owner.pid}`}`);
      announced = true;
    }
    await delay(500);
  }
  const self = identify(process.pid);
  writeFileSync(join(lockDir, 'owner.json'), JSON.stringify(self ?? { pid: process.pid, cmdline: [], startTicks: '' }));
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
