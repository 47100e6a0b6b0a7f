import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceRuntime } from '../src';

describe('service runtime', () => {
  it('walks created → starting → running → draining → stopped and answers /livez and /readyz accordingly', async () => {
    const seen: string[] = [];
    const runtime = new ServiceRuntime({ name: 'runtime-test' });
    let releaseStart: () => void = () => undefined;
    const started = new Promise<void>((r) => (releaseStart = r));
    runtime.add({ name: 'slow', start: () => started, stop: async () => void seen.push('slow stopped') });
    runtime.add({ name: 'fast', start: async () => void seen.push('fast started'), stop: async () => void seen.push('fast stopped') });
    assert.equal(runtime.state, 'created');
    const starting = runtime.start();
    await new Promise((r) => setImmediate(r));
    assert.equal(runtime.state, 'starting');
    assert.equal((await fetch(`${runtime.url}/livez`)).status, 200);
    assert.equal((await fetch(`${runtime.url}/readyz`)).status, 503);
    releaseStart();
    await starting;
    assert.equal(runtime.state, 'running');
    assert.equal((await fetch(`${runtime.url}/readyz`)).status, 200);
    await runtime.stop('test');
    assert.equal(runtime.state, 'stopped');
    assert.deepEqual(seen, ['fast started', 'fast stopped', 'slow stopped'], 'stopped in reverse order');
  });

  it('forces the stop when draining exceeds the grace budget', async () => {
    const runtime = new ServiceRuntime({ name: 'grace-test', shutdownGraceMs: 200 });
    runtime.add({ name: 'stuck', stop: () => new Promise<void>(() => undefined) });
    await runtime.start();
    const t0 = Date.now();
    await runtime.stop();
    assert.equal(runtime.state, 'stopped');
    assert.ok(Date.now() - t0 < 5_000);
  });

  it('is failed, not live, when a component fails to start', async () => {
    const runtime = new ServiceRuntime({ name: 'fail-test' });
    runtime.add({ name: 'broken', start: async () => { throw new Error('no broker'); } });
    await assert.rejects(runtime.start(), /component broken failed to start: no broker/);
    assert.equal(runtime.state, 'failed');
  });

  it('fails start-up naming the address when its HTTP port is taken, and starts no component', async () => {
    // Regression (CI, stop 22): express 5's app.listen calls its callback on a listen error too, so a taken port
    // surfaced as "collections-service has no HTTP address: it is starting" instead of the port it could not bind.
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const port = (holder.address() as AddressInfo).port;
    try {
      const runtime = new ServiceRuntime({ name: 'port-test', port });
      let started = false;
      runtime.add({ name: 'consumer', start: async () => void (started = true) });
      await assert.rejects(runtime.start(), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'STARTUP_FAILED');
        assert.match(err.message, new RegExp(`http server on 127\\.0\\.0\\.1:${port} failed to start: .*EADDRINUSE`));
        return true;
      });
      assert.equal(runtime.state, 'failed');
      assert.equal(started, false);
      await runtime.stop('test');
      assert.equal(runtime.state, 'failed');
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('exits its process with code 1 when it fails after start-up (a consumer crashed for good)', () => {
    const main = require.resolve('../src');
    const script = `
      const { ServiceRuntime, runMain } = require(${JSON.stringify(main)});
      runMain(async () => {
        const runtime = new ServiceRuntime({ name: 'crash-exit-test' });
        runtime.add({ name: 'consumer', start: async () => void setTimeout(() => runtime.fail(new Error('consumer crashed')), 50) });
        return runtime;
      });`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'fatal' }, timeout: 30_000 });
    assert.equal(child.status, 1, `exit status (stderr: ${child.stderr})`);
  });

  it('serves /metrics that promtool check metrics accepts', async () => {
    const runtime = new ServiceRuntime({ name: 'metrics-test' });
    await runtime.start();
    try {
      runtime.metrics.consumedMessages.inc({ topic: 't', outcome: 'processed' });
      runtime.metrics.handlerDuration.observe({ topic: 't' }, 0.002);
      const body = await (await fetch(`${runtime.url}/metrics`)).text();
      assert.match(body, /creditstream_consumer_messages_total\{topic="t",outcome="processed",service="metrics-test"\} 1/);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      assert.equal(check.error, undefined, `promtool must be installed (apt-get install prometheus): ${check.error?.message}`);
      assert.equal(`${check.stdout}${check.stderr}`.trim(), '', 'promtool reports no problems');
      assert.equal(check.status, 0);
    } finally {
      await runtime.stop();
    }
  });

  it('announces itself to Prometheus while running and sweeps target files of dead processes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'targets-'));
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid as number;
    writeFileSync(join(dir, `killed-service-${deadPid}.json`), '[]');
    const previous = process.env.CREDITSTREAM_PROMETHEUS_SD_DIR;
    process.env.CREDITSTREAM_PROMETHEUS_SD_DIR = dir;
    const runtime = new ServiceRuntime({ name: 'announce-test' });
    try {
      await runtime.start();
      assert.deepEqual(readdirSync(dir), [`announce-test-${process.pid}.json`]);
      await runtime.stop();
      assert.equal(existsSync(join(dir, `announce-test-${process.pid}.json`)), false);
    } finally {
      if (previous === undefined) delete process.env.CREDITSTREAM_PROMETHEUS_SD_DIR;
      else process.env.CREDITSTREAM_PROMETHEUS_SD_DIR = previous;
    }
  });
});
