import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Must match CACHE_KEY in scripts/build-native.js (a test asserts both resolve the same path): the LightGBM
 * snapshot bundled in the npm package lightgbm@1.0.27.
 */
export const LIGHTGBM_CACHE_KEY = '4.1.0.99-npm1.0.27';

/**
 * Where lib_lightgbm.so is looked for: `LIGHTGBM_LIB` when set, otherwise the cache the postinstall build writes,
 * `${CREDITSTREAM_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/creditstream}/lightgbm/<key>/lib_lightgbm.so`.
 */
export function resolveLibraryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIGHTGBM_LIB) return path.resolve(env.LIGHTGBM_LIB);
  const root = env.CREDITSTREAM_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'creditstream');
  return path.join(root, 'lightgbm', LIGHTGBM_CACHE_KEY, 'lib_lightgbm.so');
}
