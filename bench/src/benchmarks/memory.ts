import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Benchmark } from '../benchmark';

interface WorkerResult {
  customers: number;
  days: number;
  partitions: number;
  events: number;
  featuresCustomers: number;
  foldSeconds: number;
  baselineHeap: number;
  heapBoth: number;
  featureHeap: number;
  scoringHeap: number;
  residualHeap: number;
  rssMax: number;
  feature: { keys: number; json: number; compressed: number; restoreSeconds: number };
  scoring: { keys: number; json: number; compressed: number; restoreSeconds: number };
}

const MB = 2 ** 20;

/**
 * Memory of the partition tasks' state per 100,000 customers, for sizing (docs/operations.md): a simulated history
 * (default 100,000 customers, 183 days, seed 1) folded through the feature and scoring processors in a fresh
 * process, then the heap their stores hold (measured after full garbage collections, by emptying one store at a
 * time), the serialized checkpoint bytes, and the CPU time of a restore. No Kafka or MongoDB: what is weighed is the
 * state itself, which is what grows with customers; each service's process baseline (about 200–250 MB) comes on top.
 */
export const memory: Benchmark = {
  name: 'memory',
  description: 'state memory of the feature and scoring tasks per 100,000 customers (in-process fold of a simulated history)',
  async run(ctx) {
    const customers = ctx.argInt('customers', 100_000);
    const days = ctx.argInt('history-days', 183);
    const heapMb = ctx.argInt('max-heap-mb', 16_384);
    const partitions = 6;
    ctx.log(`folding ${customers.toLocaleString('en-US')} customers × ${days} days in a child process (heap limit ${heapMb} MB)`);
    const worker = join(__dirname, 'memory-worker.js');
    const r = await new Promise<WorkerResult>((resolve, reject) => {
      const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, worker, JSON.stringify({ customers, days, partitions })], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (code !== 0) reject(new Error(`the memory worker exited with ${signal ?? `code ${code}`}`));
        else resolve(JSON.parse(out.trim().split('\n').pop() as string) as WorkerResult);
      });
    });
    const per100k = (bytes: number, keys: number) => Number(((bytes / Math.max(1, keys)) * 100_000 / MB).toFixed(1));
    const perCustomer = (bytes: number, keys: number) => Math.round(bytes / Math.max(1, keys));
    return {
      figures: {
        feature_state_heap_mb_per_100k: { value: per100k(r.featureHeap, r.feature.keys), unit: 'MB' },
        feature_state_heap_bytes_per_customer: { value: perCustomer(r.featureHeap, r.feature.keys), unit: 'bytes' },
        feature_checkpoint_mb_per_100k: { value: per100k(r.feature.compressed, r.feature.keys), unit: 'MB' },
        feature_state_json_mb_per_100k: { value: per100k(r.feature.json, r.feature.keys), unit: 'MB' },
        feature_restore_cpu_s_per_100k: { value: Number(((r.feature.restoreSeconds / Math.max(1, r.feature.keys)) * 100_000).toFixed(2)), unit: 's' },
        scoring_state_heap_mb_per_100k: { value: per100k(r.scoringHeap, r.scoring.keys), unit: 'MB' },
        scoring_state_heap_bytes_per_customer: { value: perCustomer(r.scoringHeap, r.scoring.keys), unit: 'bytes' },
        scoring_checkpoint_mb_per_100k: { value: per100k(r.scoring.compressed, r.scoring.keys), unit: 'MB' },
        scoring_restore_cpu_s_per_100k: { value: Number(((r.scoring.restoreSeconds / Math.max(1, r.scoring.keys)) * 100_000).toFixed(2)), unit: 's' },
        customers_in_state: { value: r.feature.keys, unit: 'customers' },
        events: { value: r.events, unit: 'events' },
        history_days: { value: r.days, unit: 'days' },
        fold_events_per_s: { value: Math.round(r.events / r.foldSeconds), unit: 'events/s' },
        rss_mb_max: { value: Math.round(r.rssMax / MB), unit: 'MB' },
      },
      notes: [
        `${r.events.toLocaleString('en-US')} simulated events (${customers.toLocaleString('en-US')} customers, ${days} days, seed 1, ${partitions} partitions) folded in ${r.foldSeconds.toFixed(0)} s by ${partitions} feature processors in one process (no Kafka, no MongoDB); the scoring state is each customer's latest features event scored by the built-in cold-start model.`,
        `Heap measured after full garbage collections: both stores ${(r.heapBoth / MB).toFixed(0)} MB, feature stores ${(r.featureHeap / MB).toFixed(0)} MB, scoring stores ${(r.scoringHeap / MB).toFixed(0)} MB, process baseline before the fold ${(r.baselineHeap / MB).toFixed(0)} MB; RSS max includes the simulator's own state.`,
        'Restore CPU: every stored value decompressed and parsed back; the MongoDB reads of a real restore come on top.',
      ],
    };
  },
};
