#!/usr/bin/env node
// Builds LightGBM's C library (lib_lightgbm.so) once per machine and caches it.
//
// Runs from the root package.json "postinstall", before any TypeScript is compiled, so it is plain CommonJS
// with no dependencies. The LightGBM source comes from the npm package lightgbm@1.0.27 (its
// dependencies/LightGBM folder, which bundles eigen, fmt and fast_double_parser); that package's own N-API
// addon is not used. The tarball is fetched with `npm pack` so only the npm registry is contacted, and it is
// checked against a pinned integrity before anything is extracted.
//
// Environment:
//   LIGHTGBM_LIB            use this existing lib_lightgbm.so; nothing is built.
//   CREDITSTREAM_CACHE_DIR  cache root (default ${XDG_CACHE_HOME:-~/.cache}/creditstream).
//   LIGHTGBM_BUILD_JOBS     parallel compile jobs (default 2).
'use strict';

const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const NPM_PACKAGE = 'lightgbm';
const NPM_VERSION = '1.0.27';
// `npm view lightgbm@1.0.27 dist.integrity`
const NPM_INTEGRITY =
  'sha512-4E/Gjr3FqQl9U3z0BMuuViTlvO7T9oGMcfa3Jp2MRyKWWSJxFPs7xDTlzrEaBBG6iA69S/AcGn1lgMCuZT8qsg==';
// VERSION.txt of the LightGBM snapshot bundled in that tarball; checked after extraction.
const LIGHTGBM_VERSION = '4.1.0.99';
// One cache folder per (LightGBM snapshot, npm tarball) so a future source bump never reuses an old build.
const CACHE_KEY = `${LIGHTGBM_VERSION}-npm${NPM_VERSION}`;
const LIB_NAME = 'lib_lightgbm.so';
const MARKER_NAME = 'build-complete.json';
// Files cmake needs that live in git submodules upstream; npm tarballs of LightGBM sometimes omit them.
const REQUIRED_SOURCES = [
  'CMakeLists.txt',
  'VERSION.txt',
  'include/LightGBM/c_api.h',
  'src/c_api.cpp',
  'external_libs/eigen/Eigen/Dense',
  'external_libs/fmt/include/fmt/format.h',
  'external_libs/fast_double_parser/include/fast_double_parser.h',
];
const LOCK_WAIT_MS = 30 * 60 * 1000;
const LOCK_POLL_MS = 2000;
const OUTPUT_TAIL_LINES = 60;

class BuildError extends Error {
  constructor(message, command, output) {
    super(message);
    this.name = 'BuildError';
    this.command = command;
    this.output = output;
  }
}

function log(message) {
  process.stdout.write(`[lightgbm-native] ${message}\n`);
}

/** The cache root, as documented above. */
function cacheRoot(env = process.env) {
  if (env.CREDITSTREAM_CACHE_DIR) return env.CREDITSTREAM_CACHE_DIR;
  const xdg = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'creditstream');
}

/** Where the built library and its completion marker live. */
function cachePaths(env = process.env) {
  const dir = path.join(cacheRoot(env), 'lightgbm', CACHE_KEY);
  return {
    dir,
    lib: path.join(dir, LIB_NAME),
    marker: path.join(dir, MARKER_NAME),
    lock: `${dir}.lock`,
  };
}

function isBuilt(paths) {
  return fs.existsSync(paths.marker) && fs.existsSync(paths.lib);
}

function tail(text, lines) {
  const all = String(text || '').split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

/** Runs a command synchronously; throws BuildError with the command and its output tail on failure. */
function run(command, args, options = {}) {
  const printable = [command, ...args].join(' ');
  log(`$ ${printable}${options.cwd ? `   (in ${options.cwd})` : ''}`);
  const result = childProcess.spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env || process.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = `${result.stdout || ''}${result.stderr || ''}`;
  if (options.logFile) fs.writeFileSync(options.logFile, output);
  if (result.error) {
    throw new BuildError(`could not start ${command}: ${result.error.message}`, printable, output);
  }
  if (result.status !== 0) {
    const how = result.signal ? `signal ${result.signal}` : `exit code ${result.status}`;
    throw new BuildError(`${command} failed with ${how}`, printable, output);
  }
  return result.stdout;
}

function requireTool(tool, hint) {
  const found = childProcess.spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new BuildError(`${tool} is not installed; ${hint}`, `command -v ${tool}`, found.stderr);
  }
}

/**
 * The environment for the nested `npm pack`: inherits registry and cache settings from the outer npm but
 * not the flags that describe the outer command (workspace selection, dry-run, json output...).
 */
function nestedNpmEnv() {
  const env = { ...process.env };
  const outerCommandFlags =
    /^npm_config_(workspaces?|include_workspace_root|global|location|dry_run|json|ignore_scripts|omit|include|production|save.*|package_lock_only|before)$/i;
  for (const key of Object.keys(env)) {
    if (outerCommandFlags.test(key)) delete env[key];
  }
  return env;
}

function npmCommand() {
  // Under `npm install`, npm_execpath is the running npm's CLI script: reuse exactly that npm.
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath)) return { command: process.execPath, prefix: [execPath] };
  return { command: 'npm', prefix: [] };
}

function fetchTarball(workDir) {
  const npm = npmCommand();
  const stdout = run(
    npm.command,
    [...npm.prefix, 'pack', `${NPM_PACKAGE}@${NPM_VERSION}`, '--json', '--ignore-scripts', '--pack-destination', workDir],
    { cwd: workDir, env: nestedNpmEnv() },
  );
  let filename;
  try {
    const parsed = JSON.parse(stdout.slice(stdout.indexOf('[')));
    filename = parsed[0].filename;
  } catch (err) {
    throw new BuildError(`could not read npm pack's JSON output: ${err.message}`, 'npm pack', stdout);
  }
  const tarball = path.join(workDir, filename);
  const digest = crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64');
  const actual = `sha512-${digest}`;
  if (actual !== NPM_INTEGRITY) {
    throw new BuildError(
      `integrity mismatch for ${tarball}: expected ${NPM_INTEGRITY}, got ${actual}`,
      'sha512 of the tarball',
      '',
    );
  }
  log(`tarball ${filename} verified (${NPM_INTEGRITY.slice(0, 24)}...)`);
  return tarball;
}

function checkSources(sourceDir) {
  const missing = REQUIRED_SOURCES.filter((rel) => !fs.existsSync(path.join(sourceDir, rel)));
  if (missing.length > 0) {
    throw new BuildError(
      `the LightGBM source bundled in ${NPM_PACKAGE}@${NPM_VERSION} lacks files cmake needs: ${missing.join(', ')}`,
      `check of ${sourceDir}`,
      '',
    );
  }
  const version = fs.readFileSync(path.join(sourceDir, 'VERSION.txt'), 'utf8').trim();
  if (version !== LIGHTGBM_VERSION) {
    throw new BuildError(
      `bundled LightGBM is version ${version}, expected ${LIGHTGBM_VERSION}`,
      `read ${path.join(sourceDir, 'VERSION.txt')}`,
      '',
    );
  }
  log(`LightGBM ${version} source is complete (eigen, fmt, fast_double_parser bundled)`);
}

function compile(sourceDir, workDir) {
  const buildDir = path.join(workDir, 'build');
  const jobs = String(process.env.LIGHTGBM_BUILD_JOBS || 2);
  run(
    'cmake',
    [
      '-S', sourceDir,
      '-B', buildDir,
      '-DCMAKE_BUILD_TYPE=Release',
      '-DBUILD_CLI=OFF',
      '-DINSTALL_HEADERS=OFF',
      '-DBUILD_STATIC_LIB=OFF',
    ],
    { logFile: path.join(workDir, 'cmake-configure.log') },
  );
  log(`compiling with ${jobs} jobs (about 2 minutes on 2 cores)...`);
  run('cmake', ['--build', buildDir, '--target', '_lightgbm', '-j', jobs], {
    logFile: path.join(workDir, 'cmake-build.log'),
  });
  // LightGBM's CMakeLists writes the library next to its sources, not into the build folder.
  const built = path.join(sourceDir, LIB_NAME);
  if (!fs.existsSync(built)) {
    throw new BuildError(`cmake succeeded but ${built} does not exist`, 'cmake --build', '');
  }
  return built;
}

function install(builtLib, paths, startedAt) {
  fs.mkdirSync(paths.dir, { recursive: true });
  // Copy then rename, so a reader never sees a half-written library.
  const partial = `${paths.lib}.partial-${process.pid}`;
  fs.copyFileSync(builtLib, partial);
  fs.renameSync(partial, paths.lib);
  const marker = {
    lightgbmVersion: LIGHTGBM_VERSION,
    source: `${NPM_PACKAGE}@${NPM_VERSION}`,
    integrity: NPM_INTEGRITY,
    bytes: fs.statSync(paths.lib).size,
    buildSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
  fs.writeFileSync(paths.marker, `${JSON.stringify(marker, null, 2)}\n`);
  return marker;
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Takes the build lock (a directory, created atomically). Returns false when another build finished meanwhile. */
function acquireLock(paths) {
  fs.mkdirSync(path.dirname(paths.lock), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(paths.lock);
      fs.writeFileSync(path.join(paths.lock, 'pid'), String(process.pid));
      return true;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (isBuilt(paths)) return false;
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(path.join(paths.lock, 'pid'), 'utf8'));
    } catch {
      // The owner may not have written its pid yet; treat as alive for this round.
    }
    if (Number.isInteger(owner) && !processAlive(owner)) {
      log(`removing stale build lock of dead process ${owner}`);
      fs.rmSync(paths.lock, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log(`another build (pid ${owner}) holds ${paths.lock}; waiting for it`);
      announced = true;
    }
    if (Date.now() > deadline) {
      throw new BuildError(`timed out after ${LOCK_WAIT_MS / 60000} min waiting for ${paths.lock}`, 'wait for lock', '');
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_POLL_MS);
  }
}

function main() {
  if (process.env.LIGHTGBM_LIB) {
    const lib = path.resolve(process.env.LIGHTGBM_LIB);
    if (!fs.existsSync(lib)) {
      throw new BuildError(`LIGHTGBM_LIB points at ${lib}, which does not exist`, 'LIGHTGBM_LIB', '');
    }
    log(`LIGHTGBM_LIB=${lib}: using it, nothing to build`);
    return;
  }
  const paths = cachePaths();
  if (isBuilt(paths)) {
    log(`already built: ${paths.lib}`);
    return;
  }
  const startedAt = Date.now();
  requireTool('cmake', 'install it (Debian: apt-get install cmake)');
  requireTool('c++', 'install a C++ compiler with OpenMP (Debian: apt-get install g++)');
  requireTool('tar', 'install tar');
  if (!acquireLock(paths)) {
    log(`built by another process meanwhile: ${paths.lib}`);
    return;
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'creditstream-lightgbm-'));
  let ok = false;
  try {
    if (isBuilt(paths)) {
      ok = true;
      return;
    }
    log(`building ${LIB_NAME} ${LIGHTGBM_VERSION} from ${NPM_PACKAGE}@${NPM_VERSION} in ${workDir}`);
    const tarball = fetchTarball(workDir);
    run('tar', ['-xzf', tarball, '-C', workDir]);
    const sourceDir = path.join(workDir, 'package', 'dependencies', 'LightGBM');
    checkSources(sourceDir);
    const built = compile(sourceDir, workDir);
    const marker = install(built, paths, startedAt);
    log(`installed ${paths.lib} (${(marker.bytes / 1048576).toFixed(1)} MiB) in ${marker.buildSeconds} s`);
    ok = true;
  } finally {
    fs.rmSync(paths.lock, { recursive: true, force: true });
    if (ok) {
      fs.rmSync(workDir, { recursive: true, force: true });
    } else {
      log(`build folder kept for inspection: ${workDir}`);
    }
  }
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`[lightgbm-native] FAILED: ${err.message}\n`);
    if (err.command) process.stderr.write(`[lightgbm-native] failing command: ${err.command}\n`);
    if (err.output) {
      process.stderr.write(`[lightgbm-native] last ${OUTPUT_TAIL_LINES} lines of its output:\n`);
      process.stderr.write(`${tail(err.output, OUTPUT_TAIL_LINES)}\n`);
    }
    if (!err.command && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  }
}

module.exports = { cachePaths, cacheRoot, CACHE_KEY, LIB_NAME, LIGHTGBM_VERSION };
