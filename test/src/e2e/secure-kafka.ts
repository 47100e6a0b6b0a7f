import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, up } from '@creditstream/local-stack';

/** A second Kafka of the local stack, with a SASL_SSL listener, next to the shared one. */
export interface SecureKafka {
  /** `KAFKA_BROKERS` of the secure Kafka. */
  brokers: string;
  /** The variables a client needs to log in: `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*`, `KAFKA_SSL_CA_FILE`. */
  clientEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now, chosen by the kernel. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

/**
 * Starts the local stack's Kafka with `CREDITSTREAM_KAFKA_SECURITY=SASL_SSL` (TLS from a generated CA, SCRAM-SHA-512
 * users) on free ports in a state directory of its own (`CREDITSTREAM_STACK_DIR`): a second Kafka, never the shared
 * one. The registry, MongoDB and Prometheus are the shared stack's (given by the environment, so not started).
 */
export async function startSecureKafka(log: (line: string) => void = (line) => process.stderr.write(`[secure-kafka] ${line}\n`)): Promise<SecureKafka> {
  const dir = mkdtempSync(join(tmpdir(), 'creditstream-secure-kafka-'));
  const kafkaPort = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === kafkaPort) controllerPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: undefined,
    CREDITSTREAM_STACK_DIR: dir,
    CREDITSTREAM_KAFKA_PORT: String(kafkaPort),
    CREDITSTREAM_KAFKA_CONTROLLER_PORT: String(controllerPort),
    CREDITSTREAM_KAFKA_SECURITY: 'SASL_SSL',
  };
  for (const name of ['SCHEMA_REGISTRY_URL', 'MONGODB_URI', 'PROMETHEUS_URL']) {
    if (!env[name]) throw new Error(`${name} must be set (the shared stack's): the secure Kafka starts only Kafka`);
  }
  const stop = async (): Promise<void> => {
    await down({ env, parts: ['kafka'], log });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = await up({ env, log });
    if (started.origins.kafka !== 'started') throw new Error(`expected a new Kafka in ${dir}, got one ${started.origins.kafka}`);
    if (started.kafkaClientEnv === undefined) throw new Error('the SASL_SSL Kafka came up without client settings');
    return { brokers: started.kafkaBrokers, clientEnv: started.kafkaClientEnv, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** What a finished child process said. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <script> ...args` to completion (or kills it after `timeoutMs`), capturing its output. */
export async function runNode(script: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finished> {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, signal) => resolve(signal === null ? c : null));
    });
    if (code === null) throw new Error(`node ${script} ${args.join(' ')} did not finish within ${timeoutMs} ms: ${stderr.slice(-2000)}`);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}
