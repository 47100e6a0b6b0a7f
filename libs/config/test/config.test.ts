import assert from 'node:assert/strict';
import { ConfigError, connectionSpec, env, loadConfig } from '../src';

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
});
