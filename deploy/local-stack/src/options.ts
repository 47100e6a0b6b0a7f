import { StackError } from './errors';

/** The parts of the local stack, in the order they are listed. */
export const PART_NAMES = ['kafka', 'registry', 'mongodb', 'prometheus'] as const;
export type PartName = (typeof PART_NAMES)[number];

/** Versions of what the stack installs. Changing one installs the new version next to the old in the cache. */
export const VERSIONS = {
  kafka: '3.9.2',
  /** Matches the slf4j/reload4j versions Kafka 3.9 ships in its own distribution. */
  slf4j: '1.7.36',
  reload4j: '1.2.25',
  /**
   * The newest Apicurio Registry 3.x whose runnable `tar.gz:all` on Maven Central runs on Java 17: 3.3.x is compiled
   * for Java 21 (class file 65), which Debian bookworm does not package; 3.1 and 3.2 publish no runnable archive.
   */
  apicurio: '3.0.9',
  secantusdb: '0.7.0b3',
  pymongo: '4.20.0',
} as const;

/** Ports of the stack, all bound to 127.0.0.1. */
export interface StackPorts {
  /** @default 19092 (`CREDITSTREAM_KAFKA_PORT`) */
  kafka: number;
  /** @default 19093 (`CREDITSTREAM_KAFKA_CONTROLLER_PORT`) */
  kafkaController: number;
  /** @default 18081 (`CREDITSTREAM_REGISTRY_PORT`) */
  registry: number;
  /** @default 27217 (`CREDITSTREAM_MONGODB_PORT`) */
  mongodb: number;
  /** @default 19090 (`CREDITSTREAM_PROMETHEUS_PORT`) */
  prometheus: number;
}

const PORT_VARIABLES: Record<keyof StackPorts, [variable: string, fallback: number]> = {
  kafka: ['CREDITSTREAM_KAFKA_PORT', 19092],
  kafkaController: ['CREDITSTREAM_KAFKA_CONTROLLER_PORT', 19093],
  registry: ['CREDITSTREAM_REGISTRY_PORT', 18081],
  mongodb: ['CREDITSTREAM_MONGODB_PORT', 27217],
  prometheus: ['CREDITSTREAM_PROMETHEUS_PORT', 19090],
};

/** The endpoint variables that, when set, point a part at an existing server instead of starting one. */
export const ENDPOINT_VARIABLES = {
  kafka: 'KAFKA_BROKERS',
  registry: 'SCHEMA_REGISTRY_URL',
  mongodb: 'MONGODB_URI',
  prometheus: 'PROMETHEUS_URL',
} as const satisfies Record<PartName, string>;

/** Everything the stack reads from its environment, validated once. */
export interface StackOptions {
  ports: StackPorts;
  /** Endpoints given by the environment; their parts are not started. */
  external: Partial<Record<PartName, string>>;
  /**
   * `SASL_SSL`: the local Kafka listens with TLS (a CA and broker certificate generated into its state directory) and
   * SCRAM-SHA-512 users instead of PLAINTEXT, in a data directory of its own.
   * @default undefined: PLAINTEXT (`CREDITSTREAM_KAFKA_SECURITY`)
   */
  kafkaSecurity?: 'SASL_SSL';
}

/**
 * Reads and validates the stack's environment: port overrides must be distinct integers in 1..65535, and an endpoint
 * variable, when set, must not be blank. The error names the offending variable and value.
 */
export function compileStackOptions(env: NodeJS.ProcessEnv = process.env): StackOptions {
  const ports = {} as StackPorts;
  const seen = new Map<number, string>();
  for (const key of Object.keys(PORT_VARIABLES) as (keyof StackPorts)[]) {
    const [variable, fallback] = PORT_VARIABLES[key];
    const raw = env[variable];
    let port = fallback;
    if (raw !== undefined && raw !== '') {
      port = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new StackError('STACK_OPTIONS_INVALID', `${variable}="${raw}" is invalid: expected an integer port in 1..65535`);
      }
    }
    const clash = seen.get(port);
    if (clash !== undefined) {
      throw new StackError('STACK_OPTIONS_INVALID', `${variable}=${port} is invalid: port ${port} is already used by ${clash}`);
    }
    seen.set(port, variable);
    ports[key] = port;
  }
  const external: Partial<Record<PartName, string>> = {};
  for (const part of PART_NAMES) {
    const variable = ENDPOINT_VARIABLES[part];
    const raw = env[variable];
    if (raw === undefined) continue;
    if (raw.trim() === '') throw new StackError('STACK_OPTIONS_INVALID', `${variable}="${raw}" is invalid: expected an endpoint, or leave it unset`);
    external[part] = raw.trim();
  }
  const security = env.CREDITSTREAM_KAFKA_SECURITY;
  if (security === undefined || security.trim() === '' || security.trim().toUpperCase() === 'PLAINTEXT') return { ports, external };
  if (security.trim().toUpperCase() !== 'SASL_SSL') throw new StackError('STACK_OPTIONS_INVALID', `CREDITSTREAM_KAFKA_SECURITY="${security}" is invalid: expected SASL_SSL or PLAINTEXT`);
  return { ports, external, kafkaSecurity: 'SASL_SSL' };
}
