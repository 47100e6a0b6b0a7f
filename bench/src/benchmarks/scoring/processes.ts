import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A service running as its own process, with its resident memory sampled. */
export interface ServiceProcess {
  readonly name: string;
  /** Current VmRSS in MB. */
  rssMb(): number;
  /** Largest VmRSS sampled since the start or the last reset, in MB. */
  rssMaxMb(): number;
  resetRssMax(): void;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

function vmRssMb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** Starts a workspace service's `dist/src/main.js` (found through its package) and samples its RSS every 250 ms. */
export function startServiceProcess(name: string, packageName: string, env: NodeJS.ProcessEnv): ServiceProcess {
  const main = join(dirname(require.resolve(`${packageName}/package.json`)), 'dist', 'src', 'main.js');
  // BENCH_SERVICE_NODE_ARGS: extra node options for the services only (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile).
  const nodeArgs = (env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, main], { env, stdio: ['ignore', env.BENCH_SERVICE_STDOUT === '1' ? 'inherit' : 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let max = 0;
  const sampler = setInterval(() => (max = Math.max(max, vmRssMb(child.pid ?? 0))), 250);
  void exited.then(() => clearInterval(sampler));
  return {
    name,
    rssMb: () => vmRssMb(child.pid ?? 0),
    rssMaxMb: () => max,
    resetRssMax: () => (max = 0),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
