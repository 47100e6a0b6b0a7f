/**
 * A small, typed model of the Avro schemas this package ships, so the type and doc generators walk one structure
 * instead of raw JSON. Only the Avro features creditstream uses are supported; anything else is refused by name.
 */

export type Primitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export type AvroType =
  | { readonly kind: 'primitive'; readonly name: Primitive }
  | { readonly kind: 'logical'; readonly logicalType: 'date' | 'timestamp-millis'; readonly base: 'int' | 'long' }
  | { readonly kind: 'ref'; readonly fullName: string }
  | { readonly kind: 'array'; readonly items: AvroType }
  | { readonly kind: 'map'; readonly values: AvroType }
  | { readonly kind: 'union'; readonly branches: readonly AvroType[] };

export interface FieldModel {
  readonly name: string;
  readonly type: AvroType;
  readonly doc: string;
  readonly hasDefault: boolean;
  readonly default: unknown;
}

export interface RecordModel {
  readonly kind: 'record';
  readonly fullName: string;
  readonly shortName: string;
  readonly doc: string;
  readonly fields: readonly FieldModel[];
}

export interface EnumModel {
  readonly kind: 'enum';
  readonly fullName: string;
  readonly shortName: string;
  readonly doc: string;
  readonly symbols: readonly string[];
  readonly default: string | null;
}

export type NamedModel = RecordModel | EnumModel;

/** One schema file: its envelope record, the event records of its payload union, and every named type in order. */
export interface SchemaModel {
  readonly file: string;
  readonly envelope: RecordModel;
  readonly eventTypes: readonly RecordModel[];
  /** Named types other than the envelope, in definition order (event records first, as they appear). */
  readonly named: readonly NamedModel[];
}

const PRIMITIVES = new Set<string>(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Thrown for a schema the generators cannot represent; names the file and the JSON path. */
export class UnsupportedSchemaError extends Error {
  constructor(file: string, at: string, detail: string) {
    super(`${file}: ${at}: ${detail}`);
  }
}

export function shortNameOf(fullName: string): string {
  const i = fullName.lastIndexOf('.');
  return i < 0 ? fullName : fullName.slice(i + 1);
}

/** Parses one `.avsc` file's JSON into a {@link SchemaModel}. */
export function parseSchema(file: string, json: unknown): SchemaModel {
  const named = new Map<string, NamedModel>();
  const fail = (at: string, detail: string): never => {
    throw new UnsupportedSchemaError(file, at, detail);
  };
  const fullNameOf = (name: string, namespace: string | undefined): string => (name.includes('.') || !namespace ? name : `${namespace}.${name}`);

  function walk(node: unknown, ns: string | undefined, at: string): AvroType {
    if (typeof node === 'string') {
      if (PRIMITIVES.has(node)) return { kind: 'primitive', name: node as Primitive };
      const full = named.has(node) ? node : fullNameOf(node, ns);
      if (!named.has(full)) fail(at, `reference to undefined type ${node}`);
      return { kind: 'ref', fullName: full };
    }
    if (Array.isArray(node)) return { kind: 'union', branches: node.map((b, i) => walk(b, ns, `${at}[${i}]`)) };
    if (typeof node !== 'object' || node === null) return fail(at, `unexpected ${JSON.stringify(node)}`);
    const o = node as Record<string, unknown>;
    const type = o.type;
    if (typeof o.logicalType === 'string') {
      if (o.logicalType === 'date' && type === 'int') return { kind: 'logical', logicalType: 'date', base: 'int' };
      if (o.logicalType === 'timestamp-millis' && type === 'long') return { kind: 'logical', logicalType: 'timestamp-millis', base: 'long' };
      return fail(at, `unsupported logical type ${String(o.logicalType)} on ${String(type)}`);
    }
    if (type === 'array') return { kind: 'array', items: walk(o.items, ns, `${at}.items`) };
    if (type === 'map') return { kind: 'map', values: walk(o.values, ns, `${at}.values`) };
    if (type === 'record' || type === 'enum') {
      if (typeof o.name !== 'string') return fail(at, 'named type without a name');
      const namespace = typeof o.namespace === 'string' ? o.namespace : ns;
      const fullName = fullNameOf(o.name, namespace);
      const innerNs = fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : undefined;
      const doc = typeof o.doc === 'string' ? o.doc : '';
      if (named.has(fullName)) fail(at, `type ${fullName} defined twice`);
      if (type === 'enum') {
        const symbols = Array.isArray(o.symbols) ? o.symbols.map(String) : fail(at, `enum ${fullName} without symbols`);
        named.set(fullName, { kind: 'enum', fullName, shortName: shortNameOf(fullName), doc, symbols, default: typeof o.default === 'string' ? o.default : null });
      } else {
        const fields: FieldModel[] = [];
        // Registered before its fields are walked so that a record may refer to itself.
        named.set(fullName, { kind: 'record', fullName, shortName: shortNameOf(fullName), doc, fields });
        const rawFields = Array.isArray(o.fields) ? o.fields : fail(at, `record ${fullName} without fields`);
        for (const [i, f] of rawFields.entries()) {
          const fo = f as Record<string, unknown>;
          if (typeof fo.name !== 'string') fail(`${at}.fields[${i}]`, 'field without a name');
          const name = fo.name as string;
          fields.push({
            name,
            type: walk(fo.type, innerNs, `${at}.${name}`),
            doc: typeof fo.doc === 'string' ? fo.doc : '',
            hasDefault: 'default' in fo,
            default: fo.default,
          });
        }
      }
      return { kind: 'ref', fullName };
    }
    if (typeof type === 'string' && PRIMITIVES.has(type)) return { kind: 'primitive', name: type as Primitive };
    return fail(at, `unsupported type ${JSON.stringify(type)}`);
  }

  const root = walk(json, undefined, '$');
  const envelope = root.kind === 'ref' ? named.get(root.fullName) : undefined;
  if (!envelope || envelope.kind !== 'record') return fail('$', 'the top-level type must be an envelope record');
  const payload = envelope.fields.find((f) => f.name === 'payload');
  if (!payload) return fail('$', `envelope ${envelope.fullName} has no payload field`);
  const branches = payload.type.kind === 'union' ? payload.type.branches : [payload.type];
  const eventTypes = branches.map((b, i) => {
    const t = b.kind === 'ref' ? named.get(b.fullName) : undefined;
    if (!t || t.kind !== 'record') return fail(`$.payload[${i}]`, 'every payload branch must be a named record');
    return t;
  });
  return { file, envelope, eventTypes, named: [...named.values()].filter((n) => n !== envelope) };
}
