import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COLLECTIONS_INPUTS } from '@creditstream/collections-service';
import { CREDIT_INPUTS } from '@creditstream/credit-service';
import { FEATURE_INPUTS, readEventLog } from '@creditstream/feature-service';
import { FRAUD_INPUTS } from '@creditstream/fraud-service';
import { createKafka, createProducer, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { SCORING_INPUTS } from '@creditstream/scoring-service';
import { INPUT_TOPICS, loadSchema, TOPIC } from '@creditstream/schemas';
import { REPO_ROOT, stack, uniqueName, waitFor } from '@creditstream/testing';
import { simulateInto, waitCaughtUp } from './pipeline';

// No customer data where it does not belong (issue 17): the pipeline runs as processes on a small simulated company
// (with bad input, so dead-letter lines are logged too); every log line and every /metrics page is scanned for the
// company's customer ids, invoice, order and payment ids and amounts. None may appear (LOG_CUSTOMER_DATA is not set),
// and every metric label has a bounded number of values, none of them an id.

const SERVICES = ['feature-service', 'scoring-service', 'credit-service', 'fraud-service', 'collections-service', 'insights-api'] as const;
type Service = (typeof SERVICES)[number];
const GROUP_VARIABLE: Record<Service, string> = {
  'feature-service': 'FEATURE_SERVICE_GROUP_ID',
  'scoring-service': 'SCORING_SERVICE_GROUP_ID',
  'credit-service': 'CREDIT_SERVICE_GROUP_ID',
  'fraud-service': 'FRAUD_SERVICE_GROUP_ID',
  'collections-service': 'COLLECTIONS_SERVICE_GROUP_ID',
  'insights-api': 'INSIGHTS_API_GROUP_ID',
};
const INPUTS: Partial<Record<Service, readonly string[]>> = {
  'feature-service': FEATURE_INPUTS,
  'scoring-service': SCORING_INPUTS,
  'credit-service': CREDIT_INPUTS,
  'fraud-service': FRAUD_INPUTS,
  'collections-service': COLLECTIONS_INPUTS.map(([t]) => t),
};
/** Customers simulated: a label with a value per customer would have more values than this bound. */
const CUSTOMERS = 60;
/** The most values one metric label may take (topics, partitions, buckets, reason codes, ... but not customers). */
const LABEL_VALUES_BOUND = 40;

interface Running {
  name: Service;
  child: ChildProcess;
  lines: string[];
  exited: Promise<NodeJS.Signals | number | null>;
  address: () => string;
}

/** Starts a service's compiled main.js as a process, keeping its stdout (JSON log lines). */
function start(name: Service, env: NodeJS.ProcessEnv): Running {
  const targets = mkdtempSync(join(tmpdir(), 'targets-'));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services', name, 'dist', 'src', 'main.js')], { env: { ...env, CREDITSTREAM_PROMETHEUS_SD_DIR: targets }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let rest = '';
  const collect = (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.trim() !== ''));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const address = () => {
    const [file] = readdirSync(targets);
    if (file === undefined) throw new Error(`${name} has not announced itself`);
    const [target] = JSON.parse(readFileSync(join(targets, file), 'utf8')) as { targets: string[] }[];
    return target?.targets[0] as string;
  };
  return { name, child, lines, exited, address };
}

/** Every string in a parsed JSON value, with the key it sits under. */
function strings(value: unknown, key: string, out: [string, string][]): void {
  if (typeof value === 'string') out.push([key, value]);
  else if (Array.isArray(value)) for (const v of value) strings(v, key, out);
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) strings(v, k, out);
}

describe('no customer data in logs and metrics', function () {
  let kafka: Kafka;
  let codec: SchemaCodec;

  before(() => {
    const s = stack();
    kafka = createKafka({ brokers: s.kafkaBrokers, clientId: 'no-customer-data-test' });
    codec = new SchemaCodec({ registryUrl: s.schemaRegistryUrl });
  });

  it('the pipeline\'s log lines and /metrics pages name no customer, invoice, order or payment and no amount; every label has a bounded set of values', async function () {
    this.timeout(300_000);
    const prefix = `${uniqueName('nocd')}.`;
    const name = (t: string) => `${prefix}${t}`;
    await simulateInto(prefix, { seed: 71, customers: CUSTOMERS, days: 75 });

    // Bad input among the good: dead-letter lines quote what was wrong.
    const history = await readEventLog(kafka, codec, INPUT_TOPICS.map(name));
    const someOrder = history.find((e) => e.event.type === 'OrderPlaced')?.event as unknown as { customerId: string; eventTime: string; payload: Record<string, unknown> };
    assert.ok(someOrder);
    await codec.register(name(TOPIC.orders), loadSchema(TOPIC.orders));
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    await producer.send(name(TOPIC.orders), [
      { key: someOrder.customerId, event: { ...someOrder, eventId: 'nocd-negative', payload: { ...someOrder.payload, orderId: `${String(someOrder.payload.orderId)}-NEG`, amountMinor: -987_654 } } },
      // The same order again with another amount: the refusal's reason names the order and both amounts.
      { key: someOrder.customerId, event: { ...someOrder, eventId: 'nocd-conflict', payload: { ...someOrder.payload, amountMinor: Number(someOrder.payload.amountMinor) + 876_543 } } },
    ]);
    await producer.sendRaw(name(TOPIC.invoices), [{ key: someOrder.customerId, value: Buffer.from(`not avro, about ${someOrder.customerId}`) }]);
    await producer.disconnect();

    // What must not appear: the company's ids and amounts.
    const ids = new Set<string>();
    const amounts = new Set<string>();
    const collect = (v: unknown, key: string): void => {
      if (typeof v === 'string' && /^(customerId|invoiceId|orderId|paymentId|creditNoteId|disputeId|writeOffId|shipmentId)$/.test(key) && v.length >= 4 && v !== '*') ids.add(v);
      else if (typeof v === 'number' && /Minor$/.test(key) && v >= 10_000) amounts.add(String(v));
      else if (Array.isArray(v)) for (const x of v) collect(x, key);
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) collect(x, k);
    };
    for (const e of history) collect(e.event, '');
    amounts.add('987654').add(String(Number(someOrder.payload.amountMinor) + 876_543));
    assert.ok(ids.size > CUSTOMERS * 3 && amounts.size > 100, `the company has ${ids.size} ids and ${amounts.size} distinct amounts`);

    const database = uniqueName('nocd').replace(/[-.]/g, '_');
    const groups = Object.fromEntries(SERVICES.map((s) => [s, uniqueName(s)])) as Record<Service, string>;
    // At info, so that the lines of every day are checked (tasks assigned and restored, running), not only the
    // warnings a run happens to give: the scoring service once gave none at the suite's default level.
    const env: NodeJS.ProcessEnv = { ...process.env, CREDITSTREAM_TOPIC_PREFIX: prefix, MONGODB_DATABASE: database, HTTP_PORT: '0', CREDIT_FRAUD_WAIT_MS: '1000', LOG_LEVEL: 'info' };
    delete env.LOG_CUSTOMER_DATA;
    const running: Running[] = [];
    const pages = new Map<Service, string>();
    try {
      for (const s of SERVICES) running.push(start(s, { ...env, [GROUP_VARIABLE[s]]: groups[s] }));
      const announced = (r: Running) => {
        try {
          return r.address();
        } catch {
          return undefined;
        }
      };
      for (const r of running) await waitFor(`${r.name} to announce itself`, () => announced(r), { timeoutMs: 120_000, intervalMs: 100 });
      for (const s of SERVICES) {
        const inputs = INPUTS[s];
        if (inputs) await waitCaughtUp(kafka, groups[s], inputs.map(name), 180_000);
      }
      for (const r of running) pages.set(r.name, await (await fetch(`http://${r.address()}/metrics`)).text());
    } finally {
      for (const r of running) r.child.kill('SIGTERM');
      for (const r of running) await r.exited;
    }

    // Logs: JSON lines, no id in any string, no amount in any string or amount-like field.
    const leaks: string[] = [];
    const deadLettered = new Map<Service, number>();
    for (const r of running) {
      // The API logs only problems; the stream services log their tasks and dead letters.
      if (r.name !== 'insights-api') assert.ok(r.lines.length > 0, `${r.name} logged`);
      for (const line of r.lines) {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          leaks.push(`${r.name}: a log line that is not JSON: ${line.slice(0, 200)}`);
          continue;
        }
        if (parsed.msg === 'message dead-lettered') {
          deadLettered.set(r.name, (deadLettered.get(r.name) ?? 0) + 1);
          assert.match(String(parsed.code), /^[A-Z_]+$/, 'a dead-letter line keeps its reason code');
        }
        const found: [string, string][] = [];
        strings(parsed, '', found);
        for (const [key, text] of found) {
          for (const id of ids) if (text.includes(id)) leaks.push(`${r.name}: ${key} names ${id}: ${line.slice(0, 300)}`);
          // A URL's port is the process's own address, not data (a listening port once equalled an amount, 34033).
          for (const n of text.replace(/\/\/[^/\s:]+:\d+/g, '//host:port').match(/\d{5,}/g) ?? []) if (amounts.has(n)) leaks.push(`${r.name}: ${key} holds the amount ${n}: ${line.slice(0, 300)}`);
        }
        for (const [key, v] of Object.entries(parsed)) if (typeof v === 'number' && /amount|minor|balance|limit|exposure/i.test(key)) leaks.push(`${r.name}: ${key}=${v}: ${line.slice(0, 300)}`);
      }
    }
    for (const s of ['feature-service', 'credit-service', 'fraud-service'] as const) assert.ok((deadLettered.get(s) ?? 0) >= 1, `${s} logged its dead letters (the scan saw them)`);

    // Metrics: no id in a label value, a bounded number of values per label.
    for (const [service, text] of pages) {
      const values = new Map<string, Set<string>>();
      for (const line of text.split('\n')) {
        if (line.startsWith('#') || line.trim() === '') continue;
        const labels = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}\s/.exec(line);
        if (labels === null) continue;
        for (const [, label, value] of (labels[2] as string).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
          const key = `${labels[1] as string}{${label as string}}`;
          let set = values.get(key);
          if (set === undefined) values.set(key, (set = new Set()));
          set.add(value as string);
          for (const id of ids) if ((value as string).includes(id)) leaks.push(`${service}: metric label ${key}="${value as string}" names ${id}`);
          if (amounts.has(value as string)) leaks.push(`${service}: metric label ${key}="${value as string}" is an amount`);
        }
      }
      assert.ok(values.size > 10, `${service}: /metrics has labelled series (${values.size})`);
      for (const [key, set] of values) if (set.size > LABEL_VALUES_BOUND) leaks.push(`${service}: ${key} has ${set.size} values (bound ${LABEL_VALUES_BOUND}, ${CUSTOMERS} customers): ${[...set].slice(0, 5).join(', ')}, ...`);
    }
    assert.deepEqual(leaks.slice(0, 30), [], `${leaks.length} leaks`);
  });
});
