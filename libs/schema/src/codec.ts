import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import * as avro from 'avsc';
import { avroOptions } from './logical-types';
import { fromAvroValue, payloadMapping, toAvroValue, type PayloadMapping } from './envelope';
import { RegistryUnavailableError, SchemaDecodeError, SchemaEncodeError, SchemaNotRegisteredError, SchemaRejectedError } from './errors';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary body. */
const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export type Compatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

export interface SchemaCodecOptions {
  /** Confluent-compatible registry base URL (Apicurio: `<base>/apis/ccompat/v7`). */
  registryUrl: string;
  /** Compatibility level set on each subject before registering. @default 'BACKWARD' */
  compatibility?: Compatibility;
}

interface Registered {
  readonly id: number;
  readonly type: avro.Type;
  readonly mapping: PayloadMapping | null;
}

/** The subject a topic's value schema is registered under (TopicNameStrategy). */
export function subjectFor(topic: string): string {
  return `${topic}-value`;
}

/**
 * Encodes and decodes events in Confluent wire format with Avro schemas from a Confluent-compatible registry.
 * Register each topic's schema once at start-up; `encode` is then synchronous and `decode` resolves the writer's
 * schema (fetched once per id) to this process's reader schema, so schema evolution is handled on read.
 */
export class SchemaCodec {
  private readonly registry: SchemaRegistry;
  private readonly url: string;
  private readonly compatibility: Compatibility;
  private readonly byTopic = new Map<string, Registered>();
  private readonly writerTypes = new Map<number, Promise<avro.Type>>();
  private readonly resolvers = new Map<string, { resolver: avro.Resolver; reader: Registered } | { writer: avro.Type }>();
  /**
   * Where values are encoded before their exact copy. avsc's toBuffer encodes into a 1 KiB buffer and, when the value
   * is larger (a features event carrying a customer's open invoices is), encodes it a second time into a zero-filled
   * one: here every value is encoded once. Grown to the largest value seen.
   */
  private scratch = Buffer.allocUnsafeSlow(64 * 1024);

  constructor(options: SchemaCodecOptions) {
    this.url = options.registryUrl.replace(/\/+$/, '');
    this.compatibility = options.compatibility ?? 'BACKWARD';
    // No Avro options for the client: it parses only to validate, and our logical types need not apply there.
    this.registry = new SchemaRegistry({ host: this.url, retry: { retries: 3 } });
  }

  /**
   * Registers `schema` as the value schema of `topic` (subject `<topic>-value`) with this codec's compatibility
   * level, and makes it the schema `encode` writes and `decode` reads into. Returns the registry id.
   * @throws SchemaRejectedError when the registry refuses it (e.g. an incompatible change).
   */
  async register(topic: string, schema: object): Promise<number> {
    const type = avro.Type.forSchema(schema as avro.Schema, avroOptions());
    const subject = subjectFor(topic);
    await this.setCompatibility(subject);
    let id: number;
    try {
      ({ id } = await this.registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
        { subject, compatibility: this.compatibility as never },
      ));
    } catch (err) {
      throw this.classify(subject, err);
    }
    this.byTopic.set(topic, { id, type, mapping: payloadMapping(type) });
    this.writerTypes.set(id, Promise.resolve(type));
    return id;
  }

  /** The registry id this process writes for `topic`. */
  schemaId(topic: string): number {
    return this.registered(topic).id;
  }

  /** Encodes `event` for `topic`. @throws SchemaEncodeError naming the first field that does not match. */
  encode(topic: string, event: unknown): Buffer {
    const reg = this.registered(topic);
    const converted = toAvroValue(reg.mapping, event);
    if ('error' in converted) throw new SchemaEncodeError(topic, converted.error);
    let end: number;
    try {
      end = reg.type.encode(converted.value, this.scratch, HEADER_BYTES);
      if (end < 0) {
        // Too large for the scratch buffer: it grows to fit (avsc returned minus the missing bytes).
        let size = this.scratch.length * 2;
        while (size < this.scratch.length - end) size *= 2;
        this.scratch = Buffer.allocUnsafeSlow(size);
        end = reg.type.encode(converted.value, this.scratch, HEADER_BYTES);
      }
    } catch {
      throw new SchemaEncodeError(topic, describeInvalid(reg.type, converted.value));
    }
    const out = Buffer.allocUnsafe(end);
    out.writeUInt8(MAGIC_BYTE, 0);
    out.writeUInt32BE(reg.id, 1);
    this.scratch.copy(out, HEADER_BYTES, HEADER_BYTES, end);
    return out;
  }

  /**
   * Decodes a Confluent-framed Avro message read from `topic`. When this process registered a schema for the topic,
   * the value is resolved into it (new fields get their defaults); otherwise it is read with the writer's schema.
   * @throws SchemaDecodeError (not retriable) for bad framing, unknown ids and corrupt bodies.
   * @throws RegistryUnavailableError (retriable) when the writer schema cannot be fetched right now.
   */
  async decode<T = unknown>(topic: string, buffer: Buffer | null): Promise<T> {
    if (!buffer || buffer.length < HEADER_BYTES) throw new SchemaDecodeError(topic, `value is ${buffer ? `${buffer.length} bytes` : 'null'}, shorter than the 5-byte Confluent header`);
    if (buffer.readUInt8(0) !== MAGIC_BYTE) throw new SchemaDecodeError(topic, `first byte is ${buffer.readUInt8(0)}, not the Confluent magic byte 0`);
    const id = buffer.readUInt32BE(1);
    const key = `${topic}\u0000${id}`;
    let entry = this.resolvers.get(key);
    if (!entry) {
      const writer = await this.writerType(topic, id);
      const reader = this.byTopic.get(topic);
      if (reader && reader.id !== id) {
        try {
          entry = { resolver: reader.type.createResolver(writer), reader };
        } catch (err) {
          throw new SchemaDecodeError(topic, `writer schema id ${id} cannot be read as this service's schema id ${reader.id}: ${(err as Error).message}`, err);
        }
      } else {
        entry = { writer };
      }
      this.resolvers.set(key, entry);
    }
    let value: Record<string, unknown>;
    try {
      if ('resolver' in entry) value = entry.reader.type.fromBuffer(buffer.subarray(HEADER_BYTES), entry.resolver) as Record<string, unknown>;
      else value = entry.writer.fromBuffer(buffer.subarray(HEADER_BYTES)) as Record<string, unknown>;
    } catch (err) {
      throw new SchemaDecodeError(topic, `Avro body does not match schema id ${id}: ${(err as Error).message}`, err);
    }
    const mapping = 'resolver' in entry ? entry.reader.mapping : payloadMapping(entry.writer);
    return fromAvroValue(mapping, value) as T;
  }

  private registered(topic: string): Registered {
    const reg = this.byTopic.get(topic);
    if (!reg) throw new SchemaNotRegisteredError(topic);
    return reg;
  }

  private writerType(topic: string, id: number): Promise<avro.Type> {
    let pending = this.writerTypes.get(id);
    if (!pending) {
      pending = this.fetchWriterType(topic, id);
      this.writerTypes.set(id, pending);
      pending.catch(() => this.writerTypes.delete(id));
    }
    return pending;
  }

  private async fetchWriterType(topic: string, id: number): Promise<avro.Type> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/schemas/ids/${id}`);
    } catch (err) {
      throw new RegistryUnavailableError(this.url, `GET /schemas/ids/${id} failed: ${(err as Error).message}`, err);
    }
    if (res.status === 404) throw new SchemaDecodeError(topic, `schema id ${id} is unknown to the registry`);
    if (!res.ok) throw new RegistryUnavailableError(this.url, `GET /schemas/ids/${id} answered HTTP ${res.status}`);
    const body = (await res.json()) as { schema: string; schemaType?: string };
    if (body.schemaType && body.schemaType !== 'AVRO') throw new SchemaDecodeError(topic, `schema id ${id} is ${body.schemaType}, not AVRO`);
    return avro.Type.forSchema(JSON.parse(body.schema) as avro.Schema, avroOptions());
  }

  /**
   * Sets the subject's compatibility level. Instances starting together race to create the subject's rule: the
   * registry answers the loser 409 ("already exists"), so a 409 is retried, and the retry updates the rule now there.
   */
  private async setCompatibility(subject: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.url}/config/${encodeURIComponent(subject)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
          body: JSON.stringify({ compatibility: this.compatibility }),
        });
      } catch (err) {
        throw new RegistryUnavailableError(this.url, `PUT /config/${subject} failed: ${(err as Error).message}`, err);
      }
      if (res.ok) return;
      const text = await res.text();
      if (res.status >= 500) throw new RegistryUnavailableError(this.url, `PUT /config/${subject} answered HTTP ${res.status}: ${text}`);
      if (res.status !== 409 || attempt >= 5) {
        throw new SchemaRejectedError(subject, res.status, `setting compatibility ${this.compatibility} failed: ${text}`);
      }
    }
  }

  private classify(subject: string, err: unknown): Error {
    const e = err as { status?: number; message?: string };
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new SchemaRejectedError(subject, e.status, e.message ?? String(err));
    return new RegistryUnavailableError(this.url, `registering ${subject} failed: ${e.message ?? String(err)}`, err);
  }
}

/** Names the first path in `value` that does not match `type`. */
function describeInvalid(type: avro.Type, value: unknown): string {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook(path: string[], v: unknown, t: avro.Type) {
      if (problems.length < 3) problems.push(`${path.join('.') || '(root)'}=${safeJson(v)} is not a valid ${describeType(t)}`);
    },
  });
  return problems.length > 0 ? problems.join('; ') : 'value is not valid';
}

function describeType(t: avro.Type): string {
  if (t instanceof avro.types.LogicalType) return `${t.typeName}`;
  return t.name ?? t.typeName;
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}
