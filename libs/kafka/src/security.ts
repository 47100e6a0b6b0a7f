import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { ConfigError, kafkaSecuritySpec, loadConfig, type KafkaSaslMechanism, type KafkaSecurityProtocol } from '@creditstream/config';

/** How a client authenticates to the brokers: what kafkajs gets as `ssl` and `sasl`, compiled once from the environment. */
export interface KafkaSecurity {
  protocol: KafkaSecurityProtocol;
  /** kafkajs' `ssl`: `true` trusts the system CAs; an object carries the configured CA and client certificate. */
  ssl?: ConnectionOptions | true;
  sasl?: SASLOptions;
  /** For logs and error messages: protocol, mechanism, user and files, never the password. */
  description: string;
}

/** No TLS, no SASL (the local stack's default Kafka). */
export const PLAINTEXT_SECURITY: KafkaSecurity = { protocol: 'PLAINTEXT', description: 'PLAINTEXT' };

type Source = Record<string, string | undefined>;

const isSet = (source: Source, name: string): boolean => source[name] !== undefined && source[name] !== '';

function readSecretFile(name: string, path: string, expect: { marker: RegExp; what: string } | null): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(name, `${name}=${JSON.stringify(path)} cannot be read: ${(err as Error).message}`);
  }
  if (expect !== null && !expect.marker.test(text)) throw new ConfigError(name, `${name}=${JSON.stringify(path)} is invalid: expected ${expect.what}`);
  return text;
}

const PEM_CERTIFICATE = { marker: /-----BEGIN CERTIFICATE-----/, what: 'a PEM file with at least one "-----BEGIN CERTIFICATE-----" block' };
const PEM_KEY = { marker: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, what: 'a PEM file with a "-----BEGIN PRIVATE KEY-----" block' };

/**
 * Reads and checks the Kafka security variables (see `kafkaSecuritySpec` in `@creditstream/config`) and the files
 * they name. Every combination that would be silently ignored or fail later at the broker is refused here, naming
 * the variable: a SASL protocol without a user or without exactly one of KAFKA_SASL_PASSWORD and
 * KAFKA_SASL_PASSWORD_FILE, SASL or TLS variables with a protocol that does not use them, a certificate without
 * its key, an unreadable or empty file.
 */
export function kafkaSecurityFromEnv(source: Source = process.env): KafkaSecurity {
  const c = loadConfig(kafkaSecuritySpec, source);
  const protocol = c.KAFKA_SECURITY_PROTOCOL;
  const usesSasl = protocol === 'SASL_SSL' || protocol === 'SASL_PLAINTEXT';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const saslVariables = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'];
  const tlsVariables = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'];
  const problems: ConfigError[] = [];
  const unused = (names: string[], what: string, hint: string): void => {
    for (const name of names.filter((n) => isSet(source, n))) {
      problems.push(new ConfigError(name, `${name} is set but KAFKA_SECURITY_PROTOCOL=${protocol} does not use ${what}: set KAFKA_SECURITY_PROTOCOL=${hint}, or unset ${name}`));
    }
  };
  if (!usesSasl) unused(saslVariables, 'SASL', usesTls ? 'SASL_SSL' : 'SASL_SSL (or SASL_PLAINTEXT)');
  if (!usesTls) unused(tlsVariables, 'TLS', usesSasl ? 'SASL_SSL' : 'SSL or SASL_SSL');
  let sasl: SASLOptions | undefined;
  if (usesSasl) {
    if (c.KAFKA_SASL_USERNAME === undefined) problems.push(new ConfigError('KAFKA_SASL_USERNAME', `KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL=${protocol}`));
    const direct = c.KAFKA_SASL_PASSWORD;
    const file = c.KAFKA_SASL_PASSWORD_FILE;
    let password: string | undefined;
    if (direct !== undefined && file !== undefined) {
      problems.push(new ConfigError('KAFKA_SASL_PASSWORD,KAFKA_SASL_PASSWORD_FILE', `KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set: set exactly one`));
    } else if (direct === undefined && file === undefined) {
      problems.push(new ConfigError('KAFKA_SASL_PASSWORD_FILE', `KAFKA_SASL_PASSWORD_FILE (or KAFKA_SASL_PASSWORD) is required with KAFKA_SECURITY_PROTOCOL=${protocol}`));
    } else if (file !== undefined) {
      try {
        password = readSecretFile('KAFKA_SASL_PASSWORD_FILE', file, null).replace(/\r?\n$/, '');
        if (password === '') problems.push(new ConfigError('KAFKA_SASL_PASSWORD_FILE', `KAFKA_SASL_PASSWORD_FILE=${JSON.stringify(file)} is empty`));
      } catch (err) {
        problems.push(err as ConfigError);
      }
    } else {
      password = direct;
    }
    if (c.KAFKA_SASL_USERNAME !== undefined && password !== undefined && password !== '') sasl = saslOptions(c.KAFKA_SASL_MECHANISM, c.KAFKA_SASL_USERNAME, password);
  }
  let ssl: ConnectionOptions | true | undefined;
  if (usesTls) {
    const options: ConnectionOptions = {};
    const read = (name: 'KAFKA_SSL_CA_FILE' | 'KAFKA_SSL_CERT_FILE' | 'KAFKA_SSL_KEY_FILE', expect: typeof PEM_KEY): string | undefined => {
      const path = c[name];
      if (path === undefined) return undefined;
      try {
        return readSecretFile(name, path, expect);
      } catch (err) {
        problems.push(err as ConfigError);
        return undefined;
      }
    };
    const ca = read('KAFKA_SSL_CA_FILE', PEM_CERTIFICATE);
    if (ca !== undefined) options.ca = [ca];
    if ((c.KAFKA_SSL_CERT_FILE === undefined) !== (c.KAFKA_SSL_KEY_FILE === undefined)) {
      const missing = c.KAFKA_SSL_CERT_FILE === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE';
      problems.push(new ConfigError(missing, `${missing} is required with ${missing === 'KAFKA_SSL_CERT_FILE' ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE'} (a client certificate needs its key)`));
    } else {
      const cert = read('KAFKA_SSL_CERT_FILE', PEM_CERTIFICATE);
      const key = read('KAFKA_SSL_KEY_FILE', PEM_KEY);
      if (cert !== undefined && key !== undefined) Object.assign(options, { cert, key });
    }
    ssl = Object.keys(options).length === 0 ? true : options;
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ConfigError(problems.map((p) => p.path).join(','), problems.map((p) => p.message).join('; '));
  const parts: string[] = [protocol];
  if (sasl !== undefined) parts.push(`${sasl.mechanism} as ${JSON.stringify(c.KAFKA_SASL_USERNAME)}`);
  if (usesTls) parts.push(c.KAFKA_SSL_CA_FILE === undefined ? 'system CAs' : `CA ${c.KAFKA_SSL_CA_FILE}`);
  if (c.KAFKA_SSL_CERT_FILE !== undefined && usesTls) parts.push(`client certificate ${c.KAFKA_SSL_CERT_FILE}`);
  return { protocol, ...(ssl === undefined ? {} : { ssl }), ...(sasl === undefined ? {} : { sasl }), description: parts.join(', ') };
}

function saslOptions(mechanism: KafkaSaslMechanism, username: string, password: string): SASLOptions {
  switch (mechanism) {
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'plain':
      return { mechanism: 'plain', username, password };
  }
}
