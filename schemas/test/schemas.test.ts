import * as assert from 'node:assert/strict';
import * as avro from 'avsc';
import { buildTopics, DEFAULT_PARTITIONS, EVENT_TYPES, loadSchema, loadSchemaFile, TOPICS } from '../src';
import { type AvroType, parseSchema, type RecordModel, type SchemaModel } from '../src/codegen/avro-model';

const topics = buildTopics(DEFAULT_PARTITIONS);
const files = [...new Set(topics.map((t) => t.schema))];
const models: SchemaModel[] = files.map((f) => parseSchema(f, loadSchemaFile(f)));

function isMoneyName(name: string): boolean {
  return name.endsWith('Minor');
}

function containsMoney(record: RecordModel, model: SchemaModel, seen = new Set<string>()): boolean {
  seen.add(record.fullName);
  const visit = (t: AvroType): boolean => {
    if (t.kind === 'array') return visit(t.items);
    if (t.kind === 'map') return visit(t.values);
    if (t.kind === 'union') return t.branches.some(visit);
    if (t.kind === 'ref' && !seen.has(t.fullName)) {
      const n = model.named.find((x) => x.fullName === t.fullName);
      return n?.kind === 'record' ? containsMoney(n, model, seen) : false;
    }
    return false;
  };
  return record.fields.some((f) => isMoneyName(f.name) || visit(f.type));
}

describe('Avro schemas', () => {
  it('every topic names a schema file that avsc accepts', () => {
    for (const t of TOPICS) {
      const schema = loadSchema(t.name);
      assert.doesNotThrow(() => avro.Type.forSchema(schema as avro.Schema), `${t.schema} is not a valid Avro schema`);
    }
  });

  it('every schema is an envelope: eventId, eventTime, customerId, causationId, payload union of records', () => {
    for (const m of models) {
      const f = m.envelope.fields;
      assert.deepEqual(f.map((x) => x.name), ['eventId', 'eventTime', 'customerId', 'causationId', 'payload'], m.file);
      assert.deepEqual(f[0]?.type, { kind: 'primitive', name: 'string' }, `${m.file} eventId`);
      assert.deepEqual(f[1]?.type, { kind: 'logical', logicalType: 'timestamp-millis', base: 'long' }, `${m.file} eventTime`);
      assert.deepEqual(f[2]?.type, { kind: 'primitive', name: 'string' }, `${m.file} customerId`);
      assert.equal(f[3]?.hasDefault && f[3].default === null, true, `${m.file} causationId defaults to null`);
      assert.equal(f[4]?.type.kind, 'union', `${m.file} payload is a union (even with one branch)`);
      assert.ok(m.eventTypes.length > 0, m.file);
    }
  });

  it('namespaces are io.creditstream.<domain> and files are named after their topic', () => {
    for (const t of topics) {
      const m = models.find((x) => x.file === t.schema);
      assert.ok(m, t.schema);
      assert.match(m.envelope.fullName, /^io\.creditstream\.[a-z]+\.[A-Za-z]+$/, m.file);
      if (!t.name.endsWith('.dlq.v1')) assert.equal(t.schema, `${t.name}.avsc`);
    }
  });

  it('every record, enum and field has a doc', () => {
    for (const m of models) {
      for (const n of [m.envelope, ...m.named]) {
        assert.notEqual(n.doc.trim(), '', `${m.file}: ${n.fullName} has no doc`);
        if (n.kind === 'record') for (const f of n.fields) assert.notEqual(f.doc.trim(), '', `${m.file}: ${n.fullName}.${f.name} has no doc`);
      }
    }
  });

  it('money is a long of minor units and every event with money carries its currency', () => {
    for (const m of models) {
      for (const n of m.named) {
        if (n.kind !== 'record') continue;
        for (const f of n.fields) {
          if (!isMoneyName(f.name)) continue;
          const t = f.type.kind === 'union' ? f.type.branches.find((b) => b.kind !== 'primitive' || b.name !== 'null') : f.type;
          assert.deepEqual(t, { kind: 'primitive', name: 'long' }, `${m.file}: ${n.shortName}.${f.name} must be a long`);
        }
      }
      for (const e of m.eventTypes) {
        // The event's currency covers its amounts, or (a report over several currencies) every record of the event
        // that holds amounts names its own currency.
        const hasCurrency = (r: RecordModel) => r.fields.some((f) => f.name === 'currency');
        const moneyRecords = m.named.filter((n): n is RecordModel => n.kind === 'record' && n.fields.some((f) => isMoneyName(f.name)) && n.fullName !== m.envelope.fullName);
        if (containsMoney(e, m)) assert.ok(hasCurrency(e) || (!e.fields.some((f) => isMoneyName(f.name)) && moneyRecords.every(hasCurrency)), `${m.file}: ${e.shortName} has amounts but no currency`);
      }
    }
  });

  it('dates are Avro date and timestamps Avro timestamp-millis (no strings pretending to be dates)', () => {
    for (const m of models) {
      for (const n of m.named) {
        if (n.kind !== 'record') continue;
        for (const f of n.fields) {
          if (!/(On|Date)$|At$/.test(f.name)) continue;
          const t = f.type.kind === 'union' ? f.type.branches.find((b) => b.kind !== 'primitive' || b.name !== 'null') : f.type;
          assert.equal(t?.kind, 'logical', `${m.file}: ${n.shortName}.${f.name} should be a date or timestamp-millis`);
        }
      }
    }
  });

  it('event type names are unique across topics, so `type` alone names the record', () => {
    const owner = new Map<string, string>();
    for (const m of models) {
      for (const e of m.eventTypes) {
        const prev = owner.get(e.shortName);
        assert.ok(prev === undefined || prev === m.file, `${e.shortName} is an event type of ${prev} and ${m.file}`);
        owner.set(e.shortName, m.file);
      }
    }
  });

  it('EVENT_TYPES lists exactly the payload records of each topic', () => {
    for (const t of topics) {
      const m = models.find((x) => x.file === t.schema);
      assert.deepEqual([...EVENT_TYPES[t.name as keyof typeof EVENT_TYPES]], m?.eventTypes.map((e) => e.shortName), t.name);
    }
  });

  it('random values of every schema survive an Avro round trip', () => {
    for (const t of TOPICS) {
      const type = avro.Type.forSchema(loadSchema(t.name) as avro.Schema, { wrapUnions: true });
      for (let i = 0; i < 20; i++) {
        const value: unknown = type.random();
        const buffer = type.toBuffer(value);
        assert.ok(type.toBuffer(type.fromBuffer(buffer)).equals(buffer), t.name);
      }
    }
  });
});
