import { randomBytes } from 'node:crypto';

/** The real local stack the tests talk to, as set up by the mocha global setup (or given by the environment). */
export interface StackEndpoints {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  mongodbUri: string;
  prometheusUrl: string | undefined;
}

/** Reads the stack endpoints; fails loudly when the global setup did not run. */
export function stack(): StackEndpoints {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MONGODB_URI, PROMETHEUS_URL } = process.env;
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !MONGODB_URI) {
    throw new Error('KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGODB_URI must be set: run the tests with `npm test` (the mocha global setup starts the local stack)');
  }
  return { kafkaBrokers: KAFKA_BROKERS.split(','), schemaRegistryUrl: SCHEMA_REGISTRY_URL, mongodbUri: MONGODB_URI, prometheusUrl: PROMETHEUS_URL };
}

/** A name unique to this test: topics, groups and databases are never shared between tests. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` with `what` and the
 * last value seen. This is how tests wait for a condition — never a fixed sleep.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
export * from './fixtures';
export * from './cpu';
