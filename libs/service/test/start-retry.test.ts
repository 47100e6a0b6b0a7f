import assert from 'node:assert/strict';
import { createLogger } from '@creditstream/logging';
import { isDependencyOutage, ServiceRuntime, startWithRetry } from '../src';

const quiet = () => createLogger({ name: 'retry-test', level: 'silent' });

/** A kafkajs-shaped connection error (kafkajs marks them `retriable: true`) under an error that wraps it. */
function brokerDown(): Error {
  return new Error('creating topics failed', { cause: Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError', retriable: true }) });
}

describe('start-up while a dependency is unreachable', () => {
  it('regression (chaos test: services started during a broker restart exited 1): starts a fresh runtime again until the dependency answers, stopping each failed one', async function () {
    this.timeout(20_000);
    const runtimes: ServiceRuntime[] = [];
    const failures = [brokerDown(), Object.assign(new Error('connection 1 to 127.0.0.1:27017 closed'), { name: 'MongoNetworkError' })];
    const started = await startWithRetry(async () => {
      const runtime = new ServiceRuntime({ name: 'retry-test', logger: quiet() });
      const failure = failures[runtimes.length];
      runtime.add({ name: 'infrastructure', start: async () => { if (failure) throw failure; } });
      runtimes.push(runtime);
      return runtime;
    }, { initialDelayMs: 20, budgetMs: 10_000 });
    assert.equal(runtimes.length, 3, 'two failed attempts, then the third started');
    assert.equal(started, runtimes[2]);
    assert.equal(started.state, 'running');
    assert.deepEqual(runtimes.slice(0, 2).map((r) => r.state), ['failed', 'failed']);
    // The failed attempts' HTTP servers are closed (no second /metrics address announced by one process).
    for (const failed of runtimes.slice(0, 2)) assert.throws(() => failed.url, /has no HTTP address|ECONNREFUSED/);
    await started.stop();
  });

  it('a failure that is not an outage is thrown at once, and an outage past the budget too', async function () {
    this.timeout(20_000);
    let attempts = 0;
    const failing = (err: () => Error) => async () => {
      attempts += 1;
      const runtime = new ServiceRuntime({ name: 'retry-test', logger: quiet() });
      runtime.add({ name: 'infrastructure', start: async () => { throw err(); } });
      return runtime;
    };
    await assert.rejects(startWithRetry(failing(() => new TypeError('schema is invalid')), { initialDelayMs: 10 }), /schema is invalid/);
    assert.equal(attempts, 1);
    attempts = 0;
    const began = Date.now();
    await assert.rejects(startWithRetry(failing(brokerDown), { initialDelayMs: 50, budgetMs: 400 }), /creating topics failed/);
    assert.ok(attempts >= 2 && attempts <= 4, `${attempts} attempts within a 400 ms budget (50, 100, 200 ms pauses)`);
    assert.ok(Date.now() - began < 2_000);
    attempts = 0;
    await assert.rejects(startWithRetry(failing(brokerDown), { initialDelayMs: 10, shouldRetry: () => false }), /creating topics failed/);
    assert.equal(attempts, 1, 'a stop signal ends the retries');
  });

  it('recognises an outage anywhere in the cause chain', () => {
    assert.equal(isDependencyOutage(brokerDown()), true);
    assert.equal(isDependencyOutage(new Error('wrapped', { cause: new Error('retries exceeded', { cause: Object.assign(new Error('x'), { retriable: true }) }) })), true);
    assert.equal(isDependencyOutage(Object.assign(new Error('no primary'), { name: 'MongoServerSelectionError' })), true);
    assert.equal(isDependencyOutage(new TypeError("Cannot destructure property 'topicMetadata'")), false);
    assert.equal(isDependencyOutage(Object.assign(new Error('incompatible schema'), { retriable: false })), false);
  });
});
