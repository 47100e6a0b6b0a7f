import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveLibraryPath } from '../src';

// dist/test/ -> package root
const SCRIPT = path.resolve(__dirname, '../../scripts/build-native.js');

interface BuildScript {
  cachePaths(env: NodeJS.ProcessEnv): { lib: string; marker: string; dir: string };
}

function runScript(env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT], { env, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The environment without variables that would redirect the script. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['LIGHTGBM_LIB', 'CREDITSTREAM_CACHE_DIR', 'XDG_CACHE_HOME', 'npm_execpath']) delete env[key];
  return env;
}

describe('native library build script and lookup', () => {
  let tmp = '';
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lightgbm-build-test-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the library lookup and the build script agree on the cache path', () => {
    const script = createRequire(__filename)(SCRIPT) as BuildScript;
    const envs: NodeJS.ProcessEnv[] = [
      { HOME: '/home/x' },
      { HOME: '/home/x', XDG_CACHE_HOME: '/xdg' },
      { HOME: '/home/x', XDG_CACHE_HOME: '/xdg', CREDITSTREAM_CACHE_DIR: '/cs-cache' },
    ];
    for (const env of envs) {
      // os.homedir() reads HOME on POSIX.
      const saved = process.env.HOME;
      process.env.HOME = env.HOME;
      try {
        assert.equal(resolveLibraryPath(env), script.cachePaths(env).lib);
      } finally {
        process.env.HOME = saved;
      }
    }
    assert.equal(resolveLibraryPath({ CREDITSTREAM_CACHE_DIR: '/c' }), '/c/lightgbm/4.1.0.99-npm1.0.27/lib_lightgbm.so');
    assert.equal(resolveLibraryPath({ LIGHTGBM_LIB: '/opt/lib.so', CREDITSTREAM_CACHE_DIR: '/c' }), '/opt/lib.so');
  });

  it('skips the build when the cache holds a completed build', () => {
    const script = createRequire(__filename)(SCRIPT) as BuildScript;
    const env = { ...baseEnv(), CREDITSTREAM_CACHE_DIR: tmp };
    const paths = script.cachePaths(env);
    fs.mkdirSync(paths.dir, { recursive: true });
    fs.writeFileSync(paths.lib, 'placeholder');
    fs.writeFileSync(paths.marker, '{}');
    const result = runScript(env);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /already built/);
  });

  it('uses LIGHTGBM_LIB instead of building, and fails when it does not exist', () => {
    const lib = path.join(tmp, 'lib_lightgbm.so');
    fs.writeFileSync(lib, 'placeholder');
    const ok = runScript({ ...baseEnv(), CREDITSTREAM_CACHE_DIR: tmp, LIGHTGBM_LIB: lib });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /nothing to build/);
    const missing = runScript({ ...baseEnv(), CREDITSTREAM_CACHE_DIR: tmp, LIGHTGBM_LIB: path.join(tmp, 'nope.so') });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.so, which does not exist/);
  });

  it('on failure prints the failing command and its output tail, exits non-zero and releases its lock', () => {
    // A stand-in npm that fails like a registry outage would.
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'npm'), '#!/bin/sh\necho "npm error code E503"\necho "npm error 503 Service Unavailable" >&2\nexit 3\n', {
      mode: 0o755,
    });
    const cache = path.join(tmp, 'cache');
    const result = runScript({ ...baseEnv(), CREDITSTREAM_CACHE_DIR: cache, PATH: `${bin}:${process.env.PATH ?? ''}` });
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stderr, /failing command: npm pack lightgbm@1\.0\.27/);
    assert.match(result.stderr, /npm failed with exit code 3/);
    assert.match(result.stderr, /503 Service Unavailable/);
    const lockDir = path.join(cache, 'lightgbm');
    assert.deepEqual(fs.readdirSync(lockDir).filter((f) => f.endsWith('.lock')), []);
    const kept = /build folder kept for inspection: (\S+)/.exec(result.stdout)?.[1];
    assert.ok(kept && fs.existsSync(kept), result.stdout);
    fs.rmSync(kept, { recursive: true, force: true });
  });
});
