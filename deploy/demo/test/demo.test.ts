import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createKafka } from '@creditstream/kafka';
import { openStore } from '@creditstream/store';
import { stack, uniqueName, waitFor } from '@creditstream/testing';
import { TOPIC } from '@creditstream/schemas';
import { DEMO_SERVICES, serviceMain } from '../src/services';
import { checkDashboardsAndRules } from './dashboard-queries';

/** True when nothing listens on 127.0.0.1:port. */
async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A base port whose next `count` ports are all free (the demo's services listen on base + k), below Linux's
 * ephemeral range (32768–60999): a port there that is free now can be taken by an outgoing connection (to Kafka,
 * MongoDB) before the service binds it, which failed CI once.
 */
async function freePortBase(count: number): Promise<number> {
  for (let base = 20_000 + (process.pid % 300) * 40; base + count < 32_768; base += 97) {
    let free = true;
    for (let k = 0; k < count && free; k++) free = await portFree(base + k);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports between 20000 and 32767`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run demo, end to end on the real stack', function () {
  this.timeout(780_000);
  const endpoints = stack();
  const prefix = `${uniqueName('demo')}.`;
  const database = uniqueName('demo').replace(/-/g, '_');
  const reportDir = mkdtempSync(join(tmpdir(), 'creditstream-demo-'));
  let demo: ChildProcess | null = null;
  let exited: Promise<number | string> = Promise.resolve(0);

  after(async function () {
    this.timeout(90_000);
    // A failed test must not leave the demo (and the services it started) running.
    if (demo?.exitCode === null && demo.signalCode === null) {
      demo.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
    }
    rmSync(reportDir, { recursive: true, force: true });
    const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'demo-test-cleanup' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    } finally {
      await admin.disconnect();
    }
    const store = await openStore({ uri: endpoints.mongodbUri, database });
    await store.db.dropDatabase();
    await store.close();
  });

  it('replays a history, trains and publishes a model, goes live with its predictions and top factors, and stops everything it started on SIGINT', async () => {
    const portBase = await freePortBase(DEMO_SERVICES.length);
    const lines: string[] = [];
    demo = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
      env: {
        ...process.env,
        CREDITSTREAM_TOPIC_PREFIX: prefix,
        MONGODB_DATABASE: database,
        DEMO_SEED: '11',
        DEMO_CUSTOMERS: '30',
        DEMO_HISTORY_DAYS: '180',
        // Slow enough that the live stream adds only days, not months, of business time before the training reads.
        DEMO_LIVE_RATE: '5',
        DEMO_PORT_BASE: String(portBase),
        DEMO_REPORT_DIR: reportDir,
        DEMO_STEP_TIMEOUT_S: '400',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = demo;
    exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', (line) => lines.push(line));
    const output = () => lines.join('\n');

    const liveLine = await Promise.race([
      // Usually 40–90 s; on a starved host (CPU steal, see the global setup's CPU lines) CI took over 280 s.
      waitFor('the demo to say it is live', () => lines.find((l) => /live: predictions from model v\d+/.test(l)), { timeoutMs: 600_000, intervalMs: 200 }),
      exited.then((code) => {
        throw new Error(`the demo exited (${code}) before it was live:\n${output()}`);
      }),
    ]).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- demo output ---\n${output()}`);
    });
    const version = /live: predictions from model (v\d+)/.exec(liveLine)?.[1] ?? '';

    // A fresh database: the cold-start model scored until the demo published the first version it trained.
    assert.ok(lines.some((l) => l.includes('scored by the built-in cold-start model (nothing published yet)')), output());
    assert.equal(version, 'v1');

    // A trained LightGBM model, not the cold-start one, with its holdout metrics and report.
    const dataEnd = new RegExp(`model ${version} \\(lightgbm-multiclass\\): [\\d,]+ matured invoices from the feature-log up to (\\d{4}-\\d{2}-\\d{2})`).exec(output())?.[1];
    assert.ok(dataEnd !== undefined, `no trained-model line for ${version}:\n${output()}`);
    // Regression: the simulator's --history-days counts business days; passed the calendar days unconverted, the
    // history ran about 70 days past its end at full speed, and "caught up" was measured against a moving end.
    const historyEnd = '2024-06-28'; // the last of DEMO_HISTORY_DAYS=180 days from 2024-01-01
    const daysPast = (Date.parse(dataEnd) - Date.parse(historyEnd)) / 86_400_000;
    assert.ok(daysPast >= 0 && daysPast < 45, `the training data ends ${dataEnd}, ${daysPast} days after the history's end ${historyEnd}`);
    assert.ok(lines.some((l) => /holdout \([\d,]+ latest invoices\): accuracy 0\.\d+ vs 0\.\d+ for the naive "always \w+"; log-loss \d\.\d+ vs/.test(l)), `no holdout metrics:\n${output()}`);
    const report = /report: (\S+\.html)/.exec(output())?.[1];
    assert.ok(report !== undefined && existsSync(report) && readFileSync(report, 'utf8').includes('<canvas data-chart='), `no report file: ${report}`);

    // Predictions of that version, each followed by its top factors (feature = value, contribution).
    const predictionAt = lines.map((l, i) => (l.includes(`[model ${version}]`) ? i : -1)).filter((i) => i >= 0);
    assert.ok(predictionAt.length > 0, `no prediction of ${version}:\n${output()}`);
    for (const i of predictionAt) assert.match(lines[i + 1] ?? '', /^\[demo\] {7}\w+ +=\s+(-?[\d.]+|missing) +[+-]\d\.\d{3}$/, `prediction without a top factor:\n${lines.slice(i, i + 3).join('\n')}`);
    assert.ok(lines.some((l) => l.includes(`/graph?g0.expr=`)), 'no Prometheus URL');
    // The credit service's hold list, each held order followed by the rules that hold it.
    if (serviceMain('credit-service') !== null) {
      const holdsAt = lines.findIndex((l) => l.includes('held orders (credit-service hold list'));
      assert.ok(holdsAt >= 0, `no held orders:\n${output()}`);
      assert.match(lines[holdsAt + 1] ?? '', /^\[demo\] {3}(\d{4}-\d{2}-\d{2} \S+ \S+ [\d,.]+ [A-Z]{3}|none: every order)/, `held orders:\n${lines.slice(holdsAt, holdsAt + 4).join('\n')}`);
    }

    // The services it started, by pid and port.
    const pids = [...output().matchAll(/ready at http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)/g)].map((m) => ({ port: Number(m[1]), pid: Number(m[2]) }));
    assert.deepEqual(pids.map((p) => p.port), DEMO_SERVICES.flatMap((name, k) => (serviceMain(name) === null ? [] : [portBase + k])));
    for (const { port, pid } of pids) {
      assert.ok(alive(pid), `pid ${pid} is not running while live`);
      assert.ok((await fetch(`http://127.0.0.1:${port}/metrics`)).ok);
    }

    // The dashboards against the real Prometheus scraping this run: every panel of a service that exists returns
    // data, every panel of one that does not (credit, fraud, collections) or of a metric not exported yet is marked
    // pending and returns nothing; every alert and recording rule is accepted. One record that is not Avro makes a
    // dead letter for the dead-letter panel, stamped with a business time inside the history so that it is next in
    // the partition's time order.
    const producer = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'demo-test-poison' }).producer();
    await producer.connect();
    await producer.send({ topic: `${prefix}${TOPIC.invoices}`, messages: [{ key: 'C-dashboard-poison', value: Buffer.from('not avro'), timestamp: String(Date.parse('2024-01-02T00:00:00Z')) }] });
    await producer.disconnect();
    assert.ok(endpoints.prometheusUrl, 'PROMETHEUS_URL must be set by the global setup');
    const panels = await checkDashboardsAndRules(endpoints.prometheusUrl, 180_000);
    assert.deepEqual(panels.failures, [], `dashboard queries:\n${panels.failures.join('\n')}\n--- demo output ---\n${output()}`);
    assert.ok(panels.withData.length >= 20, `only ${panels.withData.length} queries returned data`);

    child.kill('SIGINT');
    assert.equal(await exited, 0, `the demo did not exit 0 after SIGINT:\n${output()}`);
    assert.ok(lines.some((l) => l.includes('[demo] stopped cleanly')), output());
    for (const { port, pid } of pids) {
      assert.ok(!alive(pid), `pid ${pid} still runs after the demo stopped`);
      assert.ok(await portFree(port), `port ${port} still in use after the demo stopped`);
    }

    // A healthy run logs nothing at error level: an error line must mean something is wrong. (Regression: every
    // start printed kafkajs errors for the group coordinator loading, which is normal while a broker starts.)
    const errorLines = lines.filter((l) => /"level":\s*"(error|fatal)"|"level":\s*(50|60)\b/.test(l));
    assert.deepEqual(errorLines, [], `error-level lines in a healthy demo run:\n${errorLines.join('\n')}`);

    // The stack was given by the environment: the demo must have left it running.
    const admin = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'demo-test' }).admin();
    await admin.connect();
    assert.ok((await admin.listTopics()).includes(`${prefix}creditstream.predictions.invoice.v1`));
    await admin.disconnect();
    const store = await openStore({ uri: endpoints.mongodbUri, database });
    await store.ping();
    await store.close();
  });
});
