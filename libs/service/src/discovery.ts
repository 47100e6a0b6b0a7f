import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where to announce this process to Prometheus (file_sd_configs). `CREDITSTREAM_PROMETHEUS_SD_DIR` wins; otherwise
 * the local stack's `.stack/prometheus/targets`, looked up from the working directory upwards. Null when neither.
 */
export function prometheusTargetsDir(): string | null {
  const configured = process.env.CREDITSTREAM_PROMETHEUS_SD_DIR;
  if (configured) return configured;
  let dir = resolve(process.cwd());
  for (;;) {
    const candidate = join(dir, '.stack', 'prometheus', 'targets');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Writes a file_sd target file for this process; returns a function that removes it. No `service` target label:
 * every metric already carries `service`, and a target label of the same name would be renamed `exported_service`.
 */
export function announceToPrometheus(service: string, address: string): () => void {
  const dir = prometheusTargetsDir();
  if (!dir) return () => undefined;
  mkdirSync(dir, { recursive: true });
  removeStaleTargets(dir);
  const file = join(dir, `${service}-${process.pid}.json`);
  writeFileSync(file, JSON.stringify([{ targets: [address], labels: { job: 'creditstream', instance_pid: String(process.pid) } }]));
  return () => rmSync(file, { force: true });
}

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A process killed with SIGKILL cannot remove its target file; the next process to announce itself removes the
 * files of processes that no longer exist, so Prometheus does not scrape the dead forever.
 */
function removeStaleTargets(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = /-(\d+)\.json$/.exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) rmSync(join(dir, name), { force: true });
  }
}
