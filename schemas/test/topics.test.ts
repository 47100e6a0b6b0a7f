import * as assert from 'node:assert/strict';
import { ConfigError } from '@creditstream/config';
import { buildTopics, DEAD_LETTER_SERVICES, INPUT_TOPICS, partitionsFromEnv, topic, TOPIC, TOPICS, UnknownTopicError } from '../src';

describe('topics', () => {
  it('names follow creditstream.<domain>.<name>.v<N> and are unique', () => {
    for (const t of TOPICS) assert.match(t.name, /^creditstream\.[a-z-]+\.[a-z-]+\.v\d+$/);
    assert.equal(new Set(TOPICS.map((t) => t.name)).size, TOPICS.length);
  });

  it('every topic has retention configuration, a producer and a description', () => {
    for (const t of TOPICS) {
      assert.ok(t.configEntries.some((c) => c.name === 'retention.ms'), t.name);
      assert.ok(t.configEntries.some((c) => c.name === 'cleanup.policy'), t.name);
      assert.notEqual(t.producer, '');
      assert.notEqual(t.description, '');
      assert.equal(t.key, 'customerId');
    }
  });

  it('input topics are kept forever, because replaying them must reproduce every output', () => {
    for (const name of INPUT_TOPICS) assert.deepEqual(topic(name).configEntries.find((c) => c.name === 'retention.ms')?.value, '-1', name);
  });

  it('the clock has as many partitions as every input topic, whatever the count', () => {
    for (const n of [1, 6, 24]) {
      const table = buildTopics(n);
      for (const name of INPUT_TOPICS) assert.equal(table.find((t) => t.name === name)?.partitions, n, `${name} with ${n}`);
    }
  });

  it('each consuming service has a dead-letter topic sharing one schema', () => {
    const dlqs = TOPICS.filter((t) => t.name.endsWith('.dlq.v1'));
    assert.deepEqual(dlqs.map((t) => t.name), DEAD_LETTER_SERVICES.map((s) => `creditstream.${s}.dlq.v1`));
    assert.equal(new Set(dlqs.map((t) => t.schema)).size, 1);
  });

  it('CREDITSTREAM_PARTITIONS sets the partition count and is validated', () => {
    assert.equal(partitionsFromEnv({}), 6);
    assert.equal(partitionsFromEnv({ CREDITSTREAM_PARTITIONS: '12' }), 12);
    assert.throws(() => partitionsFromEnv({ CREDITSTREAM_PARTITIONS: 'many' }), (err: unknown) => err instanceof ConfigError && /CREDITSTREAM_PARTITIONS="many"/.test(err.message));
    assert.throws(() => partitionsFromEnv({ CREDITSTREAM_PARTITIONS: '0' }), ConfigError);
  });

  it('topic() finds a topic by name and names the unknown one', () => {
    assert.equal(topic(TOPIC.invoices).schema, 'creditstream.invoices.events.v1.avsc');
    assert.throws(() => topic('creditstream.nope.v1'), (err: unknown) => err instanceof UnknownTopicError && err.code === 'UNKNOWN_TOPIC' && /creditstream\.nope\.v1/.test(err.message));
  });
});
