import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackError } from '../src/errors';
import { ensureInstalled, INSTALL_MARKER } from '../src/install';
import type { StackPaths } from '../src/paths';

describe('ensureInstalled', () => {
  let root: string;
  let paths: StackPaths;
  const quiet = (): void => undefined;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'local-stack-install-'));
    const stateDir = join(root, 'state');
    paths = { repoRoot: root, cacheDir: join(root, 'cache'), stateDir, runDir: join(stateDir, 'run'), logsDir: join(stateDir, 'logs') };
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds once, writes the marker, and skips the build when the marker is there', async () => {
    let builds = 0;
    const build = async (dir: string): Promise<void> => {
      builds += 1;
      writeFileSync(join(dir, 'bin'), 'x');
    };
    const dir = await ensureInstalled({ paths, log: quiet }, 'kafka', 'thing-1', build);
    assert.ok(existsSync(join(dir, INSTALL_MARKER)));
    await ensureInstalled({ paths, log: quiet }, 'kafka', 'thing-1', build);
    assert.equal(builds, 1);
  });

  it('redoes a half-finished install from an empty directory', async () => {
    const dir = join(paths.cacheDir, 'thing-1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'partial-download'), 'truncated');
    await ensureInstalled({ paths, log: quiet }, 'kafka', 'thing-1', async (d) => writeFileSync(join(d, 'bin'), 'x'));
    assert.equal(existsSync(join(dir, 'partial-download')), false);
    assert.ok(existsSync(join(dir, 'bin')));
  });

  it('names the part, the reason and the install log when the build fails, and leaves no marker', async () => {
    await assert.rejects(
      ensureInstalled({ paths, log: quiet }, 'registry', 'thing-2', async () => {
        throw new Error('mvn exited with code 1');
      }),
      (err: unknown) => {
        assert.ok(err instanceof StackError);
        assert.equal(err.code, 'STACK_INSTALL_FAILED');
        assert.match(err.message, /^registry: installing thing-2 failed: mvn exited with code 1 \(log: .*registry-install\.log\)$/);
        return true;
      },
    );
    assert.equal(existsSync(join(paths.cacheDir, 'thing-2', INSTALL_MARKER)), false);
  });
});
