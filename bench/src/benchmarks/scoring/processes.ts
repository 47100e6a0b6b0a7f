import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A service running as its own process, with its resident memory sampled and its `/metrics` reachable. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Current VmRSS in MB. */
  rssMb(): number;
  /** Largest VmRSS sampled since the start or the last reset, in MB. */
  rssMaxMb(): number;
  /** Largest VmRSS sampled since the start, in MB. */
  rssMaxEverMb(): number;
  resetRssMax(): void;
  /** Whether the process has announced its HTTP address (file_sd target written once it listens). */
  announced(): boolean;
  /** The sum of a metric's samples (every label set) on the process's `/metrics`; 0 when absent. */
  metric(name: string): Promise<number>;
  /** The samples of a metric by label set (`{partition="3"}` → value). */
  samples(name: string): Promise<Map<string, number>>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), then waits for the exit. */
  kill(): Promise<void>;
}

/** Lines of a service's output kept for the report of an unexpected exit. */
const TAIL_LINES = 40;

/** The last lines of a stream of output chunks. */
class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly keep: number) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }

  text(): string {
    return [...this.lines, ...(this.partial === '' ? [] : [this.partial])].join('\n');
  }
}

function vmRssMb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** Parses the Prometheus text format: the samples of one metric name, by label set. */
export function parseSamples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const space = rest.lastIndexOf(' ');
    out.set(rest.slice(0, space).trim(), Number(rest.slice(space + 1)));
  }
  return out;
}

/**
 * Starts a workspace service's `dist/src/main.js` (found through its package) and samples its RSS every 250 ms.
 * `sdDir` is the CREDITSTREAM_PROMETHEUS_SD_DIR the service announces itself to (`<service>-<pid>.json`): its
 * `/metrics` address is read from there.
 */
export function startServiceProcess(name: string, packageName: string, env: NodeJS.ProcessEnv, sdDir: string): ServiceProcess {
  const main = join(dirname(require.resolve(`${packageName}/package.json`)), 'dist', 'src', 'main.js');
  // BENCH_SERVICE_NODE_ARGS: extra node options for the services only (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile).
  const nodeArgs = (env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  // BENCH_SERVICE_STDOUT=1 shows the services' logs; otherwise only the last lines of a service that exits on its own
  // (a startup failure, a crash) are printed, with its exit code.
  const inherit = env.BENCH_SERVICE_STDOUT === '1';
  const child = spawn(process.execPath, [...nodeArgs, main], { env: { ...env, CREDITSTREAM_PROMETHEUS_SD_DIR: sdDir }, stdio: ['ignore', inherit ? 'inherit' : 'pipe', 'inherit'] });
  const pid = child.pid ?? 0;
  const tail = new OutputTail(TAIL_LINES);
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk));
  let ended = false;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      if (!ended) process.stderr.write(`[bench] ${name} (pid ${pid}) exited on its own (code ${code}, signal ${signal})${inherit ? '' : `; its last ${TAIL_LINES} lines of output:\n${tail.text()}`}\n`);
      resolve();
    }),
  );
  let max = 0;
  let maxEver = 0;
  const sampler = setInterval(() => {
    const rss = vmRssMb(pid);
    max = Math.max(max, rss);
    maxEver = Math.max(maxEver, rss);
  }, 250);
  void exited.then(() => clearInterval(sampler));
  const target = join(sdDir, `${packageName.replace(/^@creditstream\//, '')}-${pid}.json`);
  let address: string | null = null;
  const resolveAddress = (): string | null => {
    if (address !== null) return address;
    if (!existsSync(target)) return null;
    try {
      const parsed = JSON.parse(readFileSync(target, 'utf8')) as { targets: string[] }[];
      address = parsed[0]?.targets[0] ?? null;
    } catch {
      return null;
    }
    return address;
  };
  const alive = () => child.exitCode === null && child.signalCode === null;
  const scrape = async (metric: string): Promise<Map<string, number>> => {
    const a = resolveAddress();
    if (a === null) throw new Error(`${name} (pid ${pid}) has not announced its metrics address in ${sdDir}${alive() ? '' : ' (it has exited)'}`);
    // A kept-alive connection the service closed as the scrape reused it answers ECONNRESET: a few tries, then fail
    // (an hour-long run must not die of one reset socket).
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`http://${a}/metrics`);
        return parseSamples(await res.text(), metric);
      } catch (err) {
        if (attempt >= 5 || !alive()) throw err;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  };
  return {
    name,
    pid,
    rssMb: () => vmRssMb(pid),
    rssMaxMb: () => max,
    rssMaxEverMb: () => maxEver,
    resetRssMax: () => (max = 0),
    announced: () => resolveAddress() !== null,
    samples: scrape,
    async metric(metric) {
      let total = 0;
      for (const v of (await scrape(metric)).values()) total += v;
      return total;
    },
    async stop() {
      ended = true;
      if (alive()) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      ended = true;
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}
