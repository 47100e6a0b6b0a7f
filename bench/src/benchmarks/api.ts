import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApiTokenCreate, runSimulate } from '@creditstream/cli';
import { CREDIT_INPUTS, CreditReader } from '@creditstream/credit-service';
import { FEATURE_INPUTS } from '@creditstream/feature-service';
import { committedTotal, createKafka, endOffsetsTotal } from '@creditstream/kafka';
import { SCORING_INPUTS } from '@creditstream/scoring-service';
import { openStore } from '@creditstream/store';
import type { Benchmark } from '../benchmark';
import type { Figure } from '../results';
import { percentile } from './scoring/latency';
import { startServiceProcess, type ServiceProcess } from './scoring/processes';
import { waitUntil } from './scoring/wait';

const quiet = { out: () => undefined, err: () => undefined, now: () => performance.now() };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Sample {
  kind: 'customer' | 'at-risk';
  ms: number;
  ok: boolean;
}

/**
 * Open-loop load: request i is due at start + i / rate whatever the earlier ones do, and its latency counts from
 * when it was due (a slow answer delays nothing, so queueing shows up in the figures instead of hiding).
 */
async function load(url: string, token: string, customers: readonly string[], rate: number, seconds: number): Promise<Sample[]> {
  const total = rate * seconds;
  const samples: Sample[] = [];
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let seed = 42;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const kind: Sample['kind'] = i % 2 === 0 ? 'customer' : 'at-risk';
    const path = kind === 'customer' ? `/api/customers/${encodeURIComponent(customers[Math.floor(next() * customers.length)] as string)}` : '/api/invoices/at-risk?limit=50';
    inflight.push(
      fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then(
        async (res) => {
          await res.arrayBuffer();
          samples.push({ kind, ms: performance.now() - due, ok: res.status === 200 });
        },
        () => void samples.push({ kind, ms: performance.now() - due, ok: false }),
      ),
    );
  }
  await Promise.all(inflight);
  return samples;
}

/**
 * The insights API over the demo's data (200 customers, a year of history by default) with the feature and scoring
 * services and the credit service running, each as its own process: read latency of the customer page and the at-risk list under an
 * open-loop load from this (second) process, the time to accept a command, and the API's resident memory.
 */
export const api: Benchmark = {
  name: 'api',
  description: 'insights API on the demo data: customer page and at-risk list p99 at 200 req/s (open loop), command acceptance, RSS',
  async run(ctx) {
    const customers = ctx.argInt('customers', 200);
    const days = ctx.argInt('days', 365);
    const rate = ctx.argInt('rate', 200);
    const seconds = ctx.argInt('seconds', 30);
    const commands = ctx.argInt('commands', 50);
    const releases = ctx.argInt('releases', 30);
    const creditCommitMs = ctx.argInt('credit-commit-ms', 100);
    const prefix = `${ctx.runId}.`;
    const topic = (t: string) => `${prefix}${t}`;
    const database = `bench_${ctx.runId.replace(/[^a-zA-Z0-9]/g, '_')}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: ctx.stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: ctx.stack.schemaRegistryUrl,
      MONGODB_URI: ctx.stack.mongodbUri,
      MONGODB_DATABASE: database,
      CREDITSTREAM_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    };
    ctx.log(`simulating ${customers} customers over ${days} days into ${prefix}*`);
    const simulated = await runSimulate({ seed: 1, customers, days }, quiet, env);
    ctx.log(`${simulated.events.toLocaleString('en-US')} events; starting the feature and scoring services`);
    const sdDir = mkdtempSync(join(tmpdir(), 'bench-api-sd-'));
    const services: ServiceProcess[] = [];
    try {
      const groups = { feature: `${ctx.runId}-feature`, scoring: `${ctx.runId}-scoring`, credit: `${ctx.runId}-credit` };
      services.push(startServiceProcess('feature-service', '@creditstream/feature-service', { ...env, HTTP_PORT: '0', FEATURE_SERVICE_GROUP_ID: groups.feature }, sdDir));
      services.push(startServiceProcess('scoring-service', '@creditstream/scoring-service', { ...env, HTTP_PORT: '0', SCORING_SERVICE_GROUP_ID: groups.scoring }, sdDir));
      // The credit service checkpoints every CREDIT_COMMIT_MS: a command's effect reaches its read model at the next checkpoint.
      services.push(startServiceProcess('credit-service', '@creditstream/credit-service', { ...env, HTTP_PORT: '0', CREDIT_SERVICE_GROUP_ID: groups.credit, CREDIT_SERVICE_COMMIT_INTERVAL_MS: String(creditCommitMs), CREDIT_FRAUD_CHECKS: 'off', CREDIT_SERVICE_AWAIT_DAILY_RUN: 'none' }, sdDir));
      const kafka = createKafka({ brokers: ctx.stack.kafkaBrokers, clientId: 'bench-api' });
      await waitUntil('the feature, scoring and credit services catching up', 900_000, async () => {
        const inputs = FEATURE_INPUTS.map(topic);
        const scoring = SCORING_INPUTS.map(topic);
        const credit = CREDIT_INPUTS.map(topic);
        try {
          const [a, b, c, d, e, f] = await Promise.all([endOffsetsTotal(kafka, inputs), committedTotal(kafka, groups.feature, inputs), endOffsetsTotal(kafka, scoring), committedTotal(kafka, groups.scoring, scoring), endOffsetsTotal(kafka, credit), committedTotal(kafka, groups.credit, credit)]);
          return b >= a && d >= c && c > 0 && f >= e;
        } catch (err) {
          // The services create their topics as they start: until then a topic is unknown.
          const e = err as { type?: string; retriable?: boolean; message?: string };
          if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION' || e.retriable === true || /does not host this topic-partition/.test(e.message ?? '')) return false;
          throw err;
        }
      });
      ctx.log('caught up; starting the insights API');
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const apiProcess = startServiceProcess('insights-api', '@creditstream/insights-api', { ...env, HTTP_PORT: String(port), INSIGHTS_API_GROUP_ID: `${ctx.runId}-api` }, sdDir);
      services.push(apiProcess);
      const { token } = await runApiTokenCreate({ role: 'credit-manager', name: 'bench' }, quiet, env);
      let ids: string[] = [];
      await waitUntil('the insights API serving every customer', 120_000, async () => {
        const res = await fetch(`${url}/api/customers?limit=1000`, { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
        if (res === null || res.status !== 200) return false;
        const page = (await res.json()) as { items: { customerId: string }[]; total: number };
        ids = page.items.map((c) => c.customerId);
        return page.total >= customers;
      });
      const atRisk = (await (await fetch(`${url}/api/invoices/at-risk?limit=1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { total: number };
      ctx.log(`serving ${ids.length} customers, ${atRisk.total} at-risk invoices; warming up, then ${rate} req/s for ${seconds} s`);
      await load(url, token, ids, Math.min(rate, 50), 2);
      apiProcess.resetRssMax();
      const samples = await load(url, token, ids, rate, seconds);
      const lat = (kind: Sample['kind']) => samples.filter((s) => s.kind === kind && s.ok).map((s) => s.ms).sort((a, b) => a - b);
      const customer = lat('customer');
      const list = lat('at-risk');
      const failed = samples.filter((s) => !s.ok).length;
      ctx.log(`customer page p50 ${percentile(customer, 50).toFixed(1)} ms p99 ${percentile(customer, 99).toFixed(1)} ms; at-risk list p50 ${percentile(list, 50).toFixed(1)} ms p99 ${percentile(list, 99).toFixed(1)} ms; ${failed} failed`);

      // Commands: from the request to the 202 (validated, recorded, produced to the credit commands topic).
      const accept: number[] = [];
      for (let i = 0; i < commands; i++) {
        const t0 = performance.now();
        const res = await fetch(`${url}/api/credit/customers/${encodeURIComponent(ids[i % ids.length] as string)}/holds/BENCH-${i}/release`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'bench' }) });
        await res.arrayBuffer();
        if (res.status !== 202) throw new Error(`command ${i} answered ${res.status}`);
        accept.push(performance.now() - t0);
      }
      accept.sort((a, b) => a - b);

      // Releases: from the 202 to the hold gone from the credit service's read model (polled every 5 ms).
      const store = await openStore({ uri: ctx.stack.mongodbUri, database, indexes: [], appName: 'bench-api' });
      const effect: number[] = [];
      try {
        const reader = new CreditReader(store);
        const holds = (await reader.holds()).slice(0, releases);
        ctx.log(`releasing ${holds.length} held orders one by one`);
        for (const h of holds) {
          const res = await fetch(`${url}/api/credit/customers/${encodeURIComponent(h.customerId)}/holds/${encodeURIComponent(h.orderId)}/release`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'bench release' }) });
          await res.arrayBuffer();
          if (res.status !== 202) throw new Error(`release of ${h.orderId} answered ${res.status}`);
          const accepted = performance.now();
          const deadline = accepted + 30_000;
          for (;;) {
            const view = (await reader.customers()).find((c) => c.customerId === h.customerId);
            if (!view?.holds.some((x) => x.orderId === h.orderId)) break;
            if (performance.now() > deadline) throw new Error(`the release of ${h.orderId} did not take effect within 30 s`);
            await new Promise((r) => setTimeout(r, 5));
          }
          effect.push(performance.now() - accepted);
        }
      } finally {
        await store.close();
      }
      effect.sort((a, b) => a - b);
      const loadSeconds = await apiProcess.metric('creditstream_api_snapshot_load_seconds_sum');
      const loads = await apiProcess.metric('creditstream_api_snapshot_load_seconds_count');
      const figures: Record<string, Figure> = {
        read_p99_ms_customer: { value: percentile(customer, 99), unit: 'ms', goal: '≤ 50 at 200 req/s' },
        read_p99_ms_at_risk: { value: percentile(list, 99), unit: 'ms', goal: '≤ 50 at 200 req/s' },
        read_p50_ms_customer: { value: percentile(customer, 50), unit: 'ms' },
        read_p50_ms_at_risk: { value: percentile(list, 50), unit: 'ms' },
        requests: { value: samples.length, unit: 'requests' },
        requests_failed: { value: failed, unit: 'requests', goal: '0' },
        command_accept_p99_ms: { value: percentile(accept, 99), unit: 'ms' },
        command_to_effect_p99_ms: { value: percentile(effect, 99), unit: 'ms', goal: '≤ 200' },
        command_to_effect_p50_ms: { value: percentile(effect, 50), unit: 'ms' },
        releases: { value: effect.length, unit: 'commands' },
        snapshot_load_ms_mean: { value: loads > 0 ? (loadSeconds / loads) * 1000 : NaN, unit: 'ms' },
        rss_mb_max: { value: apiProcess.rssMaxEverMb(), unit: 'MB', goal: '≤ 150' },
        customers: { value: ids.length, unit: 'customers' },
      };
      return {
        figures,
        notes: [
          `${simulated.events} simulated events (${customers} customers, ${days} days), folded and scored by the feature and scoring services (own processes) before the load; the load ran from the benchmark process against the API process.`,
          `command_to_effect: a release accepted (202) until the hold is gone from the credit service's read model, polled every 5 ms; the credit service ran with CREDIT_SERVICE_COMMIT_INTERVAL_MS=${creditCommitMs} (its read models follow its checkpoints; the default is 2000).`,
        ],
      };
    } finally {
      for (const s of services.reverse()) await s.stop();
      rmSync(sdDir, { recursive: true, force: true });
    }
  },
};
