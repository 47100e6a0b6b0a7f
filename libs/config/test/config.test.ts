import assert from 'node:assert/strict';
import { ConfigError, connectionSpec, env, loadConfig, redactCredentials } from '../src';

describe('config', () => {
  const spec = {
    PORT: env.int('HTTP port', { default: 8080, min: 0, max: 65535 }),
    BROKERS: env.list('brokers'),
    DEBUG: env.bool('debug', { default: false }),
    MODE: env.oneOf('mode', ['live', 'replay'] as const, { default: 'live' }),
  };

  it('parses typed values and applies defaults', () => {
    const c = loadConfig(spec, { BROKERS: 'a:1, b:2', DEBUG: 'yes' });
    assert.deepEqual(c, { PORT: 8080, BROKERS: ['a:1', 'b:2'], DEBUG: true, MODE: 'live' });
  });

  it('names the variable and the value when a value is invalid', () => {
    assert.throws(() => loadConfig(spec, { BROKERS: 'x', PORT: '80a' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.equal(err.path, 'PORT');
      assert.match(err.message, /PORT="80a" is invalid: expected an integer/);
      return true;
    });
  });

  it('reports every problem at once, including missing required variables', () => {
    assert.throws(() => loadConfig(spec, { PORT: '70000', MODE: 'batch' }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /PORT="70000" is invalid: expected an integer <= 65535/);
      assert.match(err.message, /BROKERS is required/);
      assert.match(err.message, /MODE="batch" is invalid: expected one of live, replay/);
      return true;
    });
  });

  it('validates connection URLs by protocol', () => {
    assert.throws(
      () => loadConfig(connectionSpec, { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'ftp://x', MONGODB_URI: 'mongodb://m' }),
      /SCHEMA_REGISTRY_URL="ftp:\/\/x" is invalid: expected a URL with protocol http: or https:/,
    );
    const ok = loadConfig(connectionSpec, { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r/apis/ccompat/v7/', MONGODB_URI: 'mongodb://m:27017/?directConnection=true' });
    assert.equal(ok.SCHEMA_REGISTRY_URL, 'http://r/apis/ccompat/v7');
    assert.equal(ok.MONGODB_DATABASE, 'creditstream');
  });

  it('passes MongoDB credentials, a replica-set seed list and options through MONGODB_URI untouched', () => {
    const base = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r' };
    for (const uri of [
      'mongodb://svc:p%40ss%3Aword@h1.example:27017,h2.example:27017,h3.example/creditstream?replicaSet=rs0&authSource=admin&tls=true',
      'mongodb+srv://svc:secret@cluster0.example.net/?authMechanism=SCRAM-SHA-256',
      'mongodb://127.0.0.1:27217/?directConnection=true',
    ]) {
      assert.equal(loadConfig(connectionSpec, { ...base, MONGODB_URI: uri }).MONGODB_URI, uri);
    }
  });

  it('refuses a malformed MONGODB_URI without repeating its password', () => {
    for (const [uri, reason] of [
      ['postgres://svc:hunter2@db/x', /expected a connection string starting with mongodb:\/\/ or mongodb\+srv:\/\//],
      ['mongodb://svc:hunter2@h1,,h2/x', /expected host\[:port\]/],
      ['mongodb+srv://svc:hunter2@a.example,b.example/x', /names exactly one host/],
    ] as const) {
      assert.throws(() => loadConfig(connectionSpec, { KAFKA_BROKERS: 'k', SCHEMA_REGISTRY_URL: 'http://r', MONGODB_URI: uri }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.path, 'MONGODB_URI');
        assert.match(err.message, reason);
        assert.match(err.message, /\*\*\*@/);
        assert.doesNotMatch(err.message, /hunter2/);
        return true;
      });
    }
    assert.equal(redactCredentials('http://u:p@r/x'), 'http://***@r/x');
    assert.equal(redactCredentials('mongodb://h/x?a=b@c'), 'mongodb://h/x?a=b@c');
  });

  it('validates the Kafka security variables of every connection', () => {
    const base = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r', MONGODB_URI: 'mongodb://m' };
    const c = loadConfig(connectionSpec, base);
    assert.equal(c.KAFKA_SECURITY_PROTOCOL, 'PLAINTEXT');
    assert.equal(c.KAFKA_SASL_MECHANISM, 'scram-sha-512');
    assert.throws(() => loadConfig(connectionSpec, { ...base, KAFKA_SECURITY_PROTOCOL: 'SASL_TLS' }), /KAFKA_SECURITY_PROTOCOL="SASL_TLS" is invalid: expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
  });
});
