import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PartName } from '../options';
import type { ProcessIdentity } from './proc';

/** What `up` writes to `.stack/run/<part>.json` for each process it starts, and what `down` trusts. */
export interface ProcessRecord extends ProcessIdentity {
  part: PartName;
  endpoint: string;
  ports: Record<string, number>;
  logFile: string;
  startedAt: string;
}

function recordFile(runDir: string, part: PartName): string {
  return join(runDir, `${part}.json`);
}

/** The record of a part's process, or undefined when there is none (or it cannot be read). */
export function readRecord(runDir: string, part: PartName): ProcessRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(recordFile(runDir, part), 'utf8')) as ProcessRecord;
    if (typeof parsed.pid !== 'number' || !Array.isArray(parsed.cmdline) || typeof parsed.startTicks !== 'string') return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}

/** Writes a record atomically (write then rename), so a reader never sees half a file. */
export function writeRecord(runDir: string, record: ProcessRecord): void {
  mkdirSync(runDir, { recursive: true });
  const file = recordFile(runDir, record.part);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function removeRecord(runDir: string, part: PartName): void {
  rmSync(recordFile(runDir, part), { force: true });
}
