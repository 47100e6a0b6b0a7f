import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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

/** Writes a file_sd target file for this process; returns a function that removes it. */
export function announceToPrometheus(service: string, address: string): () => void {
  const dir = prometheusTargetsDir();
  if (!dir) return () => undefined;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${service}-${process.pid}.json`);
  writeFileSync(file, JSON.stringify([{ targets: [address], labels: { job: 'creditstream', service, instance_pid: String(process.pid) } }]));
  return () => rmSync(file, { force: true });
}
