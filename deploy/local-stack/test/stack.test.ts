import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kafkaTool, prometheusTargetsDir, pymongoPython } from '../src';
import { pollUntil } from '../src/poll';

const run = promisify(execFile);

function required(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} must be set by the mocha global setup (test/src/global-setup.ts)`);
  return value;
}

describe('local stack (running)', () => {
  // Regression: this check used kcat, which only `.ci/run` installed, so `npm install && npm test` on a bare
  // machine failed with `spawn kcat ENOENT`. Kafka's own Java client comes with the jars the stack installs.
  it("Kafka answers an ApiVersions request from Kafka's own Java client", async () => {
    const brokers = required('KAFKA_BROKERS');
    const tool = await kafkaTool('kafka.admin.BrokerApiVersionsCommand');
    const { stdout } = await run(tool.command, [...tool.args, '--bootstrap-server', brokers], { timeout: 60_000 });
    assert.match(stdout, /\(id: \d+ rack: [^)]*\) -> \(/, `no broker listed: ${stdout}`);
    assert.match(stdout, /Metadata\(3\): \d+ to \d+/, `no Metadata API version listed: ${stdout}`);
  });

  it('the schema registry answers GET <url>/subjects with a list', async () => {
    const url = required('SCHEMA_REGISTRY_URL');
    const response = await fetch(`${url}/subjects`);
    assert.equal(response.status, 200);
    assert.ok(Array.isArray(await response.json()));
  });

  it('the store answers a ping from pymongo', async () => {
    const uri = required('MONGODB_URI');
    const python = await pymongoPython();
    const script = 'import sys, pymongo\nprint(pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=10000).admin.command("ping")["ok"])';
    const { stdout } = await run(python, ['-c', script, uri]);
    assert.equal(stdout.trim(), '1.0');
  });

  it('Prometheus is ready and scrapes what is announced in its targets directory', async () => {
    const url = required('PROMETHEUS_URL');
    const ready = await fetch(`${url}/-/ready`);
    assert.equal(ready.status, 200);
    const config = (await (await fetch(`${url}/api/v1/status/config`)).json()) as { data: { yaml: string } };
    assert.ok(config.data.yaml.includes(join(prometheusTargetsDir(), '*.json')), `the config does not read ${prometheusTargetsDir()}: ${config.data.yaml}`);

    // A throwaway /metrics endpoint, announced the way creditstream services announce themselves.
    const server: Server = createServer((_req, res) => res.end('stack_test_up 1\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = join(prometheusTargetsDir(), `stack-test-${process.pid}.json`);
    writeFileSync(file, JSON.stringify([{ targets: [address], labels: { service: 'stack-test' } }]));
    try {
      await pollUntil(
        async () => {
          const body = (await (await fetch(`${url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: { scrapeUrl: string; health: string }[] } };
          const target = body.data.activeTargets.find((t) => t.scrapeUrl.includes(address));
          if (target?.health !== 'up') throw new Error(`target ${address} is ${target?.health ?? 'not listed yet'}`);
        },
        { what: `Prometheus scraping ${address}`, timeoutMs: 40_000, intervalMs: 500 },
      );
    } finally {
      rmSync(file, { force: true });
      server.close();
    }
  });
});
