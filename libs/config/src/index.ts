import { ConfigError } from './errors';

export { ConfigError } from './errors';

type Source = Record<string, string | undefined>;

/** One environment variable: how to parse it, its default and what it is for. */
export interface Field<T> {
  readonly doc: string;
  /** The default, or `undefined` when the variable is required. */
  readonly defaultValue: T | undefined;
  /** When true the field may stay unset (the value is then `undefined`). */
  readonly optional: boolean;
  parse(raw: string, name: string): T;
}

function field<T>(doc: string, parse: (raw: string, name: string) => T, opts: { default?: T; optional?: boolean }): Field<T> {
  return { doc, parse, defaultValue: opts.default, optional: opts.optional ?? false };
}

function invalid(name: string, raw: string, expected: string): ConfigError {
  return new ConfigError(name, `${name}=${JSON.stringify(raw)} is invalid: expected ${expected}`);
}

/** Field constructors. Each validates its value and names the variable and the value when it is wrong. */
export const env = {
  string(doc: string, opts: { default?: string; optional?: boolean } = {}): Field<string> {
    return field(doc, (raw, name) => {
      if (raw.trim() === '') throw invalid(name, raw, 'a non-empty string');
      return raw.trim();
    }, opts);
  },
  int(doc: string, opts: { default?: number; optional?: boolean; min?: number; max?: number } = {}): Field<number> {
    return field(doc, (raw, name) => {
      const value = Number(raw.trim());
      if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) throw invalid(name, raw, 'an integer');
      if (opts.min !== undefined && value < opts.min) throw invalid(name, raw, `an integer >= ${opts.min}`);
      if (opts.max !== undefined && value > opts.max) throw invalid(name, raw, `an integer <= ${opts.max}`);
      return value;
    }, opts);
  },
  number(doc: string, opts: { default?: number; optional?: boolean; min?: number; max?: number } = {}): Field<number> {
    return field(doc, (raw, name) => {
      const value = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(value)) throw invalid(name, raw, 'a number');
      if (opts.min !== undefined && value < opts.min) throw invalid(name, raw, `a number >= ${opts.min}`);
      if (opts.max !== undefined && value > opts.max) throw invalid(name, raw, `a number <= ${opts.max}`);
      return value;
    }, opts);
  },
  bool(doc: string, opts: { default?: boolean; optional?: boolean } = {}): Field<boolean> {
    return field(doc, (raw, name) => {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw invalid(name, raw, 'one of true/false, yes/no, 1/0, on/off');
    }, opts);
  },
  url(doc: string, opts: { default?: string; optional?: boolean; protocols?: string[] } = {}): Field<string> {
    return field(doc, (raw, name) => {
      let parsed: URL;
      try {
        parsed = new URL(raw.trim());
      } catch {
        throw invalid(name, redactCredentials(raw), 'an absolute URL');
      }
      if (opts.protocols && !opts.protocols.includes(parsed.protocol)) {
        throw invalid(name, redactCredentials(raw), `a URL with protocol ${opts.protocols.join(' or ')}`);
      }
      return raw.trim().replace(/\/+$/, '');
    }, opts);
  },
  list(doc: string, opts: { default?: string[]; optional?: boolean } = {}): Field<string[]> {
    return field(doc, (raw, name) => {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (items.length === 0) throw invalid(name, raw, 'a comma-separated, non-empty list');
      return items;
    }, opts);
  },
  oneOf<T extends string>(doc: string, values: readonly T[], opts: { default?: T; optional?: boolean } = {}): Field<T> {
    return field(doc, (raw, name) => {
      const v = raw.trim() as T;
      if (!values.includes(v)) throw invalid(name, raw, `one of ${values.join(', ')}`);
      return v;
    }, opts);
  },
};

type Spec = Record<string, Field<unknown>>;
/** The typed configuration that a spec describes. */
export type ConfigOf<S extends Spec> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

/**
 * Reads and validates every variable of `spec` from `source` (default: `process.env`), once. Collects every problem
 * and throws one {@link ConfigError} listing each offending variable and value.
 */
export function loadConfig<S extends Spec>(spec: S, source: Source = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: ConfigError[] = [];
  for (const [name, f] of Object.entries(spec)) {
    const raw = source[name];
    if (raw === undefined || raw === '') {
      if (f.defaultValue !== undefined) out[name] = f.defaultValue;
      else if (f.optional) out[name] = undefined;
      else problems.push(new ConfigError(name, `${name} is required: ${f.doc}`));
      continue;
    }
    try {
      out[name] = f.parse(raw, name);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(err);
      else throw err;
    }
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    throw new ConfigError(problems.map((p) => p.path).join(','), problems.map((p) => p.message).join('; '));
  }
  return out as ConfigOf<S>;
}

/** Renders a spec as markdown table rows (variable, default, description) for READMEs. */
export function describeConfig(spec: Spec): string {
  const rows = Object.entries(spec).map(([name, f]) => {
    const def = f.defaultValue === undefined ? (f.optional ? '(unset)' : '**required**') : `\`${String(f.defaultValue)}\``;
    return `| \`${name}\` | ${def} | ${f.doc} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

/** A connection string with its user information (`user:password@`) hidden, for error messages and logs. */
export function redactCredentials(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1***@');
}

/**
 * A MongoDB connection string (`mongodb://` or `mongodb+srv://`), kept exactly as given (credentials, a seed list of
 * several hosts, options): the driver parses it. A WHATWG URL parser refuses a seed list (`h1:27017,h2:27017`), so
 * only the scheme and a non-empty host part are checked here. Errors never repeat the credentials.
 */
function mongodbUri(doc: string): Field<string> {
  return field(doc, (raw, name) => {
    const value = raw.trim();
    const match = /^mongodb(\+srv)?:\/\/(?:[^@/?#]*@)?([^/?#]*)/i.exec(value);
    const shown = redactCredentials(value);
    if (match === null) throw new ConfigError(name, `${name}=${JSON.stringify(shown)} is invalid: expected a connection string starting with mongodb:// or mongodb+srv://`);
    const hosts = (match[2] ?? '').split(',');
    if (hosts.some((h) => h.trim() === '')) throw new ConfigError(name, `${name}=${JSON.stringify(shown)} is invalid: expected host[:port] (comma-separated for a replica set) after the scheme`);
    if (match[1] !== undefined && hosts.length !== 1) throw new ConfigError(name, `${name}=${JSON.stringify(shown)} is invalid: a mongodb+srv:// connection string names exactly one host`);
    return value.replace(/\/+$/, '');
  }, {});
}

/** Kafka's security protocols, as Kafka's own clients name them (`security.protocol`). */
export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
/** The SASL mechanisms the Kafka client speaks (kafkajs' names; `SCRAM-SHA-512` is accepted too). */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * How every creditstream process authenticates to Kafka. Each field is checked alone here; how they combine (a
 * SASL protocol needs a user and exactly one password source, TLS files only with a TLS protocol) and the files
 * are checked when the client is built (`kafkaSecurityFromEnv` in `@creditstream/kafka`).
 */
export const kafkaSecuritySpec = {
  KAFKA_SECURITY_PROTOCOL: field<KafkaSecurityProtocol>('How to talk to the brokers: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL over TLS).', (raw, name) => {
    const v = raw.trim().toUpperCase();
    if (!(KAFKA_SECURITY_PROTOCOLS as readonly string[]).includes(v)) throw invalid(name, raw, `one of ${KAFKA_SECURITY_PROTOCOLS.join(', ')}`);
    return v as KafkaSecurityProtocol;
  }, { default: 'PLAINTEXT' }),
  KAFKA_SASL_MECHANISM: field<KafkaSaslMechanism>('SASL mechanism with a SASL_* protocol: scram-sha-512, scram-sha-256 or plain.', (raw, name) => {
    const v = raw.trim().toLowerCase();
    if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(v)) throw invalid(name, raw, `one of ${KAFKA_SASL_MECHANISMS.join(', ')}`);
    return v as KafkaSaslMechanism;
  }, { default: 'scram-sha-512' }),
  KAFKA_SASL_USERNAME: env.string('SASL user name (required with a SASL_* protocol).', { optional: true }),
  // Not trimmed: a password is taken as given.
  KAFKA_SASL_PASSWORD: field<string>('SASL password; prefer KAFKA_SASL_PASSWORD_FILE (a mounted secret). Set exactly one of the two with a SASL_* protocol.', (raw) => raw, { optional: true }),
  KAFKA_SASL_PASSWORD_FILE: env.string('File holding the SASL password (one trailing newline is ignored).', { optional: true }),
  KAFKA_SSL_CA_FILE: env.string('PEM file of the CA(s) that signed the brokers\' certificates, with SSL or SASL_SSL (default: the system CAs).', { optional: true }),
  KAFKA_SSL_CERT_FILE: env.string('PEM client certificate for mutual TLS (with KAFKA_SSL_KEY_FILE).', { optional: true }),
  KAFKA_SSL_KEY_FILE: env.string('PEM private key of KAFKA_SSL_CERT_FILE.', { optional: true }),
};

/** The connection settings every creditstream process shares. */
export const connectionSpec = {
  KAFKA_BROKERS: env.list('Kafka bootstrap brokers, comma-separated host:port.'),
  ...kafkaSecuritySpec,
  SCHEMA_REGISTRY_URL: env.url('Confluent-compatible schema registry base URL (Apicurio: <base>/apis/ccompat/v7).', { protocols: ['http:', 'https:'] }),
  MONGODB_URI: mongodbUri('MongoDB connection string, credentials included (`mongodb://user:password@h1,h2/?authSource=admin`; SecantusDB locally, any MongoDB 6+ in production).'),
  MONGODB_DATABASE: env.string('Database name for the service read models.', { default: 'creditstream' }),
};

/** Checks option objects passed to factories: one place that names the offending option path. */
export function requireOption<T>(value: T | undefined | null, path: string, expected: string): T {
  if (value === undefined || value === null) throw new ConfigError(path, `option ${path} is required: expected ${expected}`);
  return value;
}

/** Throws a {@link ConfigError} naming `path` when `ok` is false. */
export function checkOption(ok: boolean, path: string, value: unknown, expected: string): void {
  if (!ok) throw new ConfigError(path, `option ${path}=${JSON.stringify(value)} is invalid: expected ${expected}`);
}
