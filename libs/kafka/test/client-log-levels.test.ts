import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { createLogger } from '@creditstream/logging';
import { createKafka } from '../src';

/** kafkajs' own error table, so the test follows its texts rather than a copy of them. */
const { createErrorFromCode } = createRequire(__filename)('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };

/** A kafkajs client logging into a pino logger whose lines are kept, and its root logger. */
function capture(): { lines: { level: string; msg: string; error?: string }[]; kafkajs: ReturnType<ReturnType<typeof createKafka>['logger']> } {
  const lines: { level: string; msg: string; error?: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as { level: string; msg: string });
      done();
    },
  });
  const logger = createLogger({ name: 'kafka-log-levels', level: 'debug', destination });
  return { lines, kafkajs: createKafka({ brokers: ['127.0.0.1:1'], clientId: 'log-levels', logger }).logger() };
}

// Regression: every `npm run demo` start printed kafkajs "level":"error" lines for "The coordinator is loading and
// hence can't process requests for this group" and "The group coordinator is not available": normal while a broker
// starts, and retried by kafkajs itself.
describe('kafkajs log levels (pure)', () => {
  for (const [code, name] of [[14, 'COORDINATOR_LOAD_IN_PROGRESS'], [15, 'COORDINATOR_NOT_AVAILABLE'], [16, 'NOT_COORDINATOR'], [5, 'LEADER_NOT_AVAILABLE'], [6, 'NOT_LEADER_OR_FOLLOWER'], [27, 'REBALANCE_IN_PROGRESS']] as const) {
    it(`logs ${name} (${code}) at info, as the connection's response line and as a bare retry line`, () => {
      const { lines, kafkajs } = capture();
      const text = createErrorFromCode(code).message;
      kafkajs.error('Response GroupCoordinator(key: 10, version: 2)', { error: text, correlationId: 1, size: 20 });
      kafkajs.error(text, { retryCount: 0, retryTime: 300 });
      assert.deepEqual(lines.map((l) => l.level), ['info', 'info'], JSON.stringify(lines));
      assert.equal(lines[0]?.error, text);
    });
  }

  it('keeps every other kafkajs error and warning at its own level', () => {
    const { lines, kafkajs } = capture();
    kafkajs.error('Response Produce(key: 0, version: 7)', { error: createErrorFromCode(10).message }); // MESSAGE_TOO_LARGE
    kafkajs.error('Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available, retried 8 times', {});
    kafkajs.error('Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:1', {});
    kafkajs.warn('Heartbeat failed', {});
    assert.deepEqual(lines.map((l) => l.level), ['error', 'error', 'error', 'warn']);
  });
});
