import type { OutputRecord } from '../simulator/records';

/** Where the records of `simulate` and `import` go: an NDJSON file or Kafka. */
export interface RecordSink {
  /** Writes records in order; resolves when they are written (or acknowledged). */
  write(records: readonly OutputRecord[]): Promise<void>;
  /** Flushes and releases what the sink holds. */
  close(): Promise<void>;
}
