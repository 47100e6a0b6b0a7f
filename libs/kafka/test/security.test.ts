import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@creditstream/config';
import { BrokerUnavailableError, KafkaAuthenticationError, KafkaTlsError, kafkaSecurityFromEnv, PLAINTEXT_SECURITY } from '../src';
import { explainConnectFailure } from '../src/connect-errors';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

/** Asserts a ConfigError whose path and message name the variable(s). */
function refused(source: Record<string, string>, path: string, message: RegExp): void {
  assert.throws(() => kafkaSecurityFromEnv(source), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.equal(err.path, path);
    assert.match(err.message, message);
    return true;
  });
}

describe('Kafka security from the environment (pure but for its files)', () => {
  let dir: string;
  let files: { ca: string; cert: string; key: string; password: string; empty: string; notPem: string };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
    files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key'), password: join(dir, 'password'), empty: join(dir, 'empty'), notPem: join(dir, 'not.pem') };
    writeFileSync(files.ca, CERT);
    writeFileSync(files.cert, CERT);
    writeFileSync(files.key, KEY);
    writeFileSync(files.password, ' s3cret with spaces \n');
    writeFileSync(files.empty, '\n');
    writeFileSync(files.notPem, 'hello');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is plaintext, without ssl or sasl, when nothing is set', () => {
    const s = kafkaSecurityFromEnv({});
    assert.deepEqual(s, { protocol: 'PLAINTEXT', description: 'PLAINTEXT' });
  });

  it('compiles SASL_SSL with SCRAM-SHA-512, a password file (one trailing newline dropped, nothing else) and a CA', () => {
    const s = kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD_FILE: files.password, KAFKA_SSL_CA_FILE: files.ca });
    assert.equal(s.protocol, 'SASL_SSL');
    assert.deepEqual(s.sasl, { mechanism: 'scram-sha-512', username: 'svc', password: ' s3cret with spaces ' });
    assert.deepEqual(s.ssl, { ca: [CERT] });
    assert.equal(s.description, `SASL_SSL, scram-sha-512 as "svc", CA ${files.ca}`);
    assert.doesNotMatch(s.description, /s3cret/);
  });

  it('defaults the mechanism to scram-sha-512, trusts the system CAs without a CA file, and takes a password as given', () => {
    const s = kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'p w\n' });
    assert.deepEqual(s.sasl, { mechanism: 'scram-sha-512', username: 'svc', password: 'p w\n' });
    assert.equal(s.ssl, true);
  });

  it('compiles TLS with a client certificate (SSL) and SASL without TLS (SASL_PLAINTEXT)', () => {
    assert.deepEqual(kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: files.ca, KAFKA_SSL_CERT_FILE: files.cert, KAFKA_SSL_KEY_FILE: files.key }).ssl, { ca: [CERT], cert: CERT, key: KEY });
    const s = kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
    assert.equal(s.ssl, undefined);
    assert.deepEqual(s.sasl, { mechanism: 'scram-sha-256', username: 'u', password: 'p' });
  });

  it('refuses an unknown protocol or mechanism, naming the variable and the value', () => {
    refused({ KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'KAFKA_SECURITY_PROTOCOL', /KAFKA_SECURITY_PROTOCOL="TLS" is invalid: expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_MECHANISM', /KAFKA_SASL_MECHANISM="gssapi" is invalid/);
  });

  it('refuses SASL without a user or without exactly one password source', () => {
    refused({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_USERNAME', /KAFKA_SASL_USERNAME is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD_FILE', /KAFKA_SASL_PASSWORD_FILE \(or KAFKA_SASL_PASSWORD\) is required/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SASL_PASSWORD_FILE: files.password }, 'KAFKA_SASL_PASSWORD,KAFKA_SASL_PASSWORD_FILE', /both set: set exactly one/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: join(dir, 'missing') }, 'KAFKA_SASL_PASSWORD_FILE', /KAFKA_SASL_PASSWORD_FILE=".*missing" cannot be read: ENOENT/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: files.empty }, 'KAFKA_SASL_PASSWORD_FILE', /KAFKA_SASL_PASSWORD_FILE=".*empty" is empty/);
  });

  it('refuses SASL or TLS variables that the protocol would silently ignore', () => {
    refused({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_USERNAME,KAFKA_SASL_PASSWORD', /KAFKA_SASL_USERNAME is set but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use SASL: set KAFKA_SECURITY_PROTOCOL=SASL_SSL/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_MECHANISM: 'plain' }, 'KAFKA_SASL_MECHANISM', /KAFKA_SECURITY_PROTOCOL=SSL does not use SASL/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SSL_CA_FILE: files.ca }, 'KAFKA_SSL_CA_FILE', /KAFKA_SSL_CA_FILE is set but KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT does not use TLS: set KAFKA_SECURITY_PROTOCOL=SASL_SSL/);
  });

  it('refuses TLS files that are missing, not PEM, or a certificate without its key', () => {
    refused({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: files.notPem }, 'KAFKA_SSL_CA_FILE', /KAFKA_SSL_CA_FILE=".*not\.pem" is invalid: expected a PEM file/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: join(dir, 'nope.pem') }, 'KAFKA_SSL_CA_FILE', /cannot be read: ENOENT/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: files.cert }, 'KAFKA_SSL_KEY_FILE', /KAFKA_SSL_KEY_FILE is required with KAFKA_SSL_CERT_FILE/);
    refused({ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: files.cert, KAFKA_SSL_KEY_FILE: files.ca }, 'KAFKA_SSL_KEY_FILE', /expected a PEM file with a "-----BEGIN PRIVATE KEY-----" block/);
  });
});

describe('Kafka connection failures explained (pure)', () => {
  const sasl = kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'hunter2' });
  /** kafkajs' retrier wraps the last attempt's error in `cause`. */
  const retried = (name: string, message: string) => Object.assign(new Error(message), { name: 'KafkaJSNumberOfRetriesExceeded', cause: Object.assign(new Error(message), { name }) });

  it('names the user and the variables to check when the SASL login is refused, never the password', () => {
    const err = explainConnectFailure(Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), { name: 'KafkaJSSASLAuthenticationError' }), ['b:9093'], sasl);
    assert.ok(err instanceof KafkaAuthenticationError);
    assert.equal(err.code, 'KAFKA_AUTHENTICATION_FAILED');
    assert.equal(err.retriable, false);
    assert.match(err.message, /Kafka at b:9093 refused the SASL login of user "svc" \(scram-sha-512\).*check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE/);
    assert.doesNotMatch(err.message, /hunter2/);
  });

  it('points a failed certificate check at KAFKA_SSL_CA_FILE', () => {
    const err = explainConnectFailure(retried('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain'), ['b:9093'], sasl);
    assert.ok(err instanceof KafkaTlsError);
    assert.match(err.message, /TLS to Kafka at b:9093 failed \(SASL_SSL, scram-sha-512 as "svc", system CAs\).*check KAFKA_SSL_CA_FILE/);
  });

  it('says that a secured listener closes a plaintext client, and keeps it retriable (a restarting broker looks the same)', () => {
    const err = explainConnectFailure(retried('KafkaJSConnectionClosedError', 'Closed connection'), ['b:9093'], PLAINTEXT_SECURITY);
    assert.ok(err instanceof BrokerUnavailableError);
    assert.equal(err.retriable, true);
    assert.match(err.message, /closed the connection of a client connecting with PLAINTEXT: a broker whose listener requires TLS or SASL.*KAFKA_SECURITY_PROTOCOL/);
  });

  it('leaves every other failure as it is', () => {
    const original = retried('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:1');
    assert.equal(explainConnectFailure(original, ['127.0.0.1:1'], PLAINTEXT_SECURITY), original);
    const closedWithSasl = retried('KafkaJSConnectionClosedError', 'Closed connection');
    assert.equal(explainConnectFailure(closedWithSasl, ['b'], sasl), closedWithSasl);
  });
});
