import * as fs from 'node:fs/promises';
import type { OutputRecord } from '../simulator/records';
import { ndjsonLine } from './ndjson';
import type { RecordSink } from './sink';

const FLUSH_BYTES = 1 << 20;

/** Writes NDJSON lines to a file (`-` = standard output), buffered in ~1 MiB writes. */
export async function openNdjsonSink(file: string): Promise<RecordSink> {
  const handle = file === '-' ? null : await fs.open(file, 'w');
  let buffer: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (buffer.length === 0) return;
    const text = buffer.join('');
    buffer = [];
    size = 0;
    if (handle) await handle.write(text);
    else await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
  };
  return {
    async write(records: readonly OutputRecord[]) {
      for (const r of records) {
        const line = `${ndjsonLine(r)}\n`;
        buffer.push(line);
        size += line.length;
      }
      if (size >= FLUSH_BYTES) await flush();
    },
    async close() {
      await flush();
      await handle?.close();
    },
  };
}
