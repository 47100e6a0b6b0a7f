import assert from 'node:assert/strict';
import { stack, uniqueName } from '@creditstream/testing';
import { SchemaCodec, SchemaDecodeError, SchemaEncodeError, SchemaRejectedError } from '../src';
import { ENVELOPE_V1 } from './envelope.test';

/** v1 plus a field with a default: a BACKWARD-compatible change. */
function v2(): object {
  const s = structuredClone(ENVELOPE_V1) as { fields: { name: string; type: unknown; default?: unknown }[] };
  s.fields.splice(3, 0, { name: 'source', type: 'string', default: 'unknown' });
  return s;
}

/** v1 with a new required field: readers of v2 cannot read v1 data, so BACKWARD forbids it. */
function incompatible(): object {
  const s = structuredClone(ENVELOPE_V1) as { fields: { name: string; type: unknown }[] };
  s.fields.push({ name: 'tenant', type: 'string' });
  return s;
}

describe('schema codec on the real registry', function () {
  let schemaRegistryUrl: string;
  before(() => {
    ({ schemaRegistryUrl } = stack());
  });
  const event = { eventId: 'e1', eventTime: '2024-01-02T03:04:05.006Z', customerId: 'C7', causationId: 'x', type: 'Closed', payload: { reason: 'paid' } };

  it('registers with BACKWARD compatibility and encodes in Confluent wire format', async () => {
    const topic = uniqueName('test.schema');
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    const id = await codec.register(topic, ENVELOPE_V1);
    const bytes = codec.encode(topic, event);
    assert.equal(bytes.readUInt8(0), 0);
    assert.equal(bytes.readUInt32BE(1), id);
    const config = await (await fetch(`${schemaRegistryUrl}/config/${topic}-value`)).json() as { compatibilityLevel: string };
    assert.equal(config.compatibilityLevel, 'BACKWARD');
    // A second process knows nothing but the registry.
    const other = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    assert.deepEqual(JSON.parse(JSON.stringify(await other.decode(topic, bytes))), event);
  });

  it('encodes values of any size exactly once into exactly their bytes: small, larger than its 64 KiB buffer, small again', async () => {
    const topic = uniqueName('test.schema');
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    await codec.register(topic, ENVELOPE_V1);
    const other = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    const large = { ...event, eventId: 'e'.repeat(200_000) };
    for (const e of [event, large, event, { ...event, customerId: 'C8' }]) {
      const bytes = codec.encode(topic, e);
      assert.equal(bytes.readUInt32BE(1), codec.schemaId(topic));
      // avsc refuses trailing bytes, so this also checks the length.
      assert.deepEqual(JSON.parse(JSON.stringify(await other.decode(topic, bytes))), e, 'decoded as encoded, nothing left of a previous value');
    }
  });

  it('refuses a change that breaks BACKWARD compatibility, and accepts a compatible one', async () => {
    const topic = uniqueName('test.schema');
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    const v1Id = await codec.register(topic, ENVELOPE_V1);
    const v1Bytes = codec.encode(topic, event);
    await assert.rejects(new SchemaCodec({ registryUrl: schemaRegistryUrl }).register(topic, incompatible()), (err: unknown) => {
      assert.ok(err instanceof SchemaRejectedError, String(err));
      assert.equal(err.code, 'SCHEMA_REJECTED');
      assert.match(err.message, new RegExp(`${topic}-value`));
      return true;
    });
    const reader = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    const v2Id = await reader.register(topic, v2());
    assert.notEqual(v2Id, v1Id);
    // Old data read with the new schema gets the new field's default.
    const decoded = await reader.decode<Record<string, unknown>>(topic, v1Bytes);
    assert.equal(decoded.source, 'unknown');
    assert.equal(decoded.type, 'Closed');
  });

  it('names the offending field when an event does not match, and refuses bytes without the magic byte', async () => {
    const topic = uniqueName('test.schema');
    const codec = new SchemaCodec({ registryUrl: schemaRegistryUrl });
    await codec.register(topic, ENVELOPE_V1);
    assert.throws(() => codec.encode(topic, { ...event, type: 'Opened', payload: { amountMinor: 'ten', dueDate: '2024-01-01' } }), (err: unknown) => {
      assert.ok(err instanceof SchemaEncodeError);
      assert.match(err.message, /amountMinor="ten"/);
      return true;
    });
    await assert.rejects(codec.decode(topic, Buffer.from('{"json":true}')), SchemaDecodeError);
    await assert.rejects(codec.decode(topic, Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1])), /schema id 2147483632 is unknown|could not be decoded/);
  });

  it('lets instances that start together register one subject at once (the registry answers 409 to all but one rule creation)', async () => {
    for (let round = 0; round < 5; round++) {
      const topic = uniqueName('test.schema.race');
      const ids = await Promise.all(Array.from({ length: 8 }, () => new SchemaCodec({ registryUrl: schemaRegistryUrl }).register(topic, ENVELOPE_V1)));
      assert.equal(new Set(ids).size, 1, `one schema id for ${topic}`);
      const config = await (await fetch(`${schemaRegistryUrl}/config/${topic}-value`)).json() as { compatibilityLevel: string };
      assert.equal(config.compatibilityLevel, 'BACKWARD');
    }
  });
});
