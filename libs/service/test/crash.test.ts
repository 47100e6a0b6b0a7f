import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createKafka, createProducer, ensureTopics, type Kafka } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { COUNTER_SCHEMA, counted, stack, uniqueName, waitFor, type StackEndpoints } from '@creditstream/testing';

const FIXTURE = join(__dirname, 'fixtures', 'guarded-counter.js');
const CUSTOMERS = 10;
const PER_CUSTOMER = 100;
const EXPECTED_TOTAL = (PER_CUSTOMER * (PER_CUSTOMER + 1)) / 2;

interface Run {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startFixture(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited };
}

describe('effectively once on the real stack (child processes killed and restarted)', function () {
  let s: StackEndpoints;
  let kafka: Kafka;
  let mongo: MongoClient;

  before(async () => {
    s = stack();
    kafka = createKafka({ brokers: s.kafkaBrokers, clientId: 'test' });
    mongo = await MongoClient.connect(s.mongodbUri);
  });
  after(async () => {
    await mongo.close();
  });

  async function setup(prefix: string) {
    const topic = uniqueName(`test.${prefix}`);
    const service = uniqueName(prefix);
    const database = uniqueName('db').replace(/-/g, '_');
    await ensureTopics(kafka, [{ name: topic, partitions: 2 }]);
    const codec = new SchemaCodec({ registryUrl: s.schemaRegistryUrl });
    await codec.register(topic, COUNTER_SCHEMA);
    const producer = createProducer({ kafka, codec });
    await producer.connect();
    const events = Array.from({ length: PER_CUSTOMER }, (_, i) => Array.from({ length: CUSTOMERS }, (_, c) => ({ key: `C${c}`, event: counted(`C${c}`, i + 1) }))).flat();
    await producer.send(topic, events);
    await producer.disconnect();
    const env = { TOPIC: topic, SERVICE: service, DATABASE: database };
    const db = mongo.db(database);
    const appliedCount = async () => (await db.collection<{ count: number }>('counters').find().toArray()).reduce((sum, d) => sum + d.count, 0);
    return { topic, service, env, db, appliedCount };
  }

  it('a consumer SIGKILLed between its MongoDB write and its offset commit, then restarted, leaves no duplicated effect', async function () {
    this.timeout(240_000);
    const { env, db, appliedCount } = await setup('crash');
    for (const crashAfter of [1, 2, 1, 3]) {
      const run = startFixture({ ...env, CRASH_AFTER_WRITES: String(crashAfter), MAX_BATCH: '50' });
      const { signal } = await run.exited;
      assert.equal(signal, 'SIGKILL', 'the fixture killed itself after its write');
    }
    const last = startFixture({ ...env, MAX_BATCH: '50' });
    await waitFor(`all ${CUSTOMERS * PER_CUSTOMER} events applied`, async () => (await appliedCount()) >= CUSTOMERS * PER_CUSTOMER, { timeoutMs: 120_000, intervalMs: 200 });
    last.child.kill('SIGTERM');
    assert.deepEqual(await last.exited, { code: 0, signal: null });
    const docs = await db.collection<{ _id: string; total: number; count: number }>('counters').find().sort({ _id: 1 }).toArray();
    assert.equal(docs.length, CUSTOMERS);
    for (const d of docs) assert.deepEqual([d._id, d.count, d.total], [d._id, PER_CUSTOMER, EXPECTED_TOTAL]);
    const stats = await db.collection<{ skipped: number }>('stats').findOne({});
    assert.ok((stats?.skipped ?? 0) > 0, `redelivered messages were seen and skipped by the guard (skipped=${stats?.skipped})`);
  });

  it('SIGTERM drains the in-flight chunk and commits exactly what was processed', async function () {
    this.timeout(240_000);
    const { env, service, topic, db, appliedCount } = await setup('drain');
    const run = startFixture({ ...env, MAX_BATCH: '20', SLOW_MS: '100' });
    await waitFor('some chunks processed', async () => ((await db.collection<{ writes: number }>('stats').findOne({}))?.writes ?? 0) >= 5, { timeoutMs: 60_000 });
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.exited, { code: 0, signal: null }, 'clean exit within the grace budget');
    const applied = await appliedCount();
    assert.ok(applied > 0 && applied < CUSTOMERS * PER_CUSTOMER, `stopped mid-stream (applied=${applied})`);
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: service, topics: [topic] });
    await admin.disconnect();
    const committed = (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    assert.equal(committed, applied, 'every processed message committed, nothing committed unprocessed');
    const rest = startFixture({ ...env, MAX_BATCH: '200' });
    await waitFor('the rest applied after restart', async () => (await appliedCount()) >= CUSTOMERS * PER_CUSTOMER, { timeoutMs: 120_000, intervalMs: 200 });
    rest.child.kill('SIGTERM');
    assert.deepEqual(await rest.exited, { code: 0, signal: null });
    const stats = await db.collection<{ skipped: number }>('stats').findOne({});
    assert.equal(stats?.skipped, 0, 'a drained stop causes no redelivery');
    assert.equal(await appliedCount(), CUSTOMERS * PER_CUSTOMER);
  });

  it('a SIGTERM that arrives while the service is still starting stops it cleanly (regression: it used to kill it)', async function () {
    this.timeout(120_000);
    const { env } = await setup('earlyterm');
    const targets = mkdtempSync(join(tmpdir(), 'targets-'));
    const run = startFixture({ ...env, CREDITSTREAM_PROMETHEUS_SD_DIR: targets });
    // The runtime announces itself when its HTTP server listens, before its components (Kafka, MongoDB) start.
    await waitFor('the service to be starting', () => readdirSync(targets).length > 0, { timeoutMs: 60_000, intervalMs: 5 });
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.exited, { code: 0, signal: null });
  });
});
