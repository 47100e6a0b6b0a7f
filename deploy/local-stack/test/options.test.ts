import assert from 'node:assert/strict';
import { compileStackOptions } from '../src/options';
import { kafkaSecurityMismatch, kafkaServerProperties } from '../src/parts/kafka';
import { prometheusConfig } from '../src/parts/prometheus';

describe('local stack options', () => {
  it('uses the documented default ports', () => {
    assert.deepEqual(compileStackOptions({}).ports, { kafka: 19092, kafkaController: 19093, registry: 18081, mongodb: 27217, prometheus: 19090 });
  });

  it('takes port overrides and endpoint variables from the environment', () => {
    const options = compileStackOptions({ CREDITSTREAM_KAFKA_PORT: '29092', MONGODB_URI: 'mongodb://db:27017' });
    assert.equal(options.ports.kafka, 29092);
    assert.deepEqual(options.external, { mongodb: 'mongodb://db:27017' });
  });

  it('names the variable and value of a bad port', () => {
    assert.throws(() => compileStackOptions({ CREDITSTREAM_REGISTRY_PORT: '80a' }), /CREDITSTREAM_REGISTRY_PORT="80a" is invalid/);
    assert.throws(() => compileStackOptions({ CREDITSTREAM_PROMETHEUS_PORT: '70000' }), /CREDITSTREAM_PROMETHEUS_PORT="70000" is invalid/);
    assert.throws(() => compileStackOptions({ CREDITSTREAM_MONGODB_PORT: '19092' }), /CREDITSTREAM_MONGODB_PORT=19092 is invalid: port 19092 is already used by CREDITSTREAM_KAFKA_PORT/);
  });

  it('rejects a blank endpoint variable', () => {
    assert.throws(() => compileStackOptions({ KAFKA_BROKERS: ' ' }), /KAFKA_BROKERS=" " is invalid/);
  });
});

describe('generated configs', () => {
  it('binds Kafka to 127.0.0.1 only, single node', () => {
    const text = kafkaServerProperties(compileStackOptions({}).ports, '/data');
    assert.match(text, /^listeners=PLAINTEXT:\/\/127\.0\.0\.1:19092,CONTROLLER:\/\/127\.0\.0\.1:19093$/m);
    assert.match(text, /^offsets\.topic\.replication\.factor=1$/m);
    assert.match(text, /^transaction\.state\.log\.min\.isr=1$/m);
  });

  it('with CREDITSTREAM_KAFKA_SECURITY=SASL_SSL, listens for clients only with SCRAM-SHA-512 over TLS (also between brokers)', () => {
    const options = compileStackOptions({ CREDITSTREAM_KAFKA_SECURITY: 'sasl_ssl', CREDITSTREAM_KAFKA_PORT: '29092', CREDITSTREAM_KAFKA_CONTROLLER_PORT: '29093' });
    assert.equal(options.kafkaSecurity, 'SASL_SSL');
    const files = { caFile: '/s/ca.pem', keystoreFile: '/s/broker-keystore.pem', clientPasswordFile: '/s/c', brokerPasswordFile: '/s/b' };
    const text = kafkaServerProperties(options.ports, '/data', { files, brokerPassword: 'pw' });
    assert.match(text, /^listeners=SASL_SSL:\/\/127\.0\.0\.1:29092,CONTROLLER:\/\/127\.0\.0\.1:29093$/m);
    assert.match(text, /^advertised\.listeners=SASL_SSL:\/\/127\.0\.0\.1:29092$/m);
    assert.match(text, /^listener\.security\.protocol\.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL$/m);
    assert.match(text, /^inter\.broker\.listener\.name=SASL_SSL$/m);
    assert.match(text, /^sasl\.enabled\.mechanisms=SCRAM-SHA-512$/m);
    assert.match(text, /^listener\.name\.sasl_ssl\.scram-sha-512\.sasl\.jaas\.config=.*username="broker" password="pw";$/m);
    assert.match(text, /^ssl\.keystore\.location=\/s\/broker-keystore\.pem$/m);
    assert.doesNotMatch(text, /PLAINTEXT:\/\/|PLAINTEXT:PLAINTEXT/, 'no plaintext client listener');
    assert.deepEqual(compileStackOptions({ CREDITSTREAM_KAFKA_SECURITY: 'PLAINTEXT' }).kafkaSecurity, undefined);
    assert.throws(() => compileStackOptions({ CREDITSTREAM_KAFKA_SECURITY: 'SCRAM' }), /CREDITSTREAM_KAFKA_SECURITY="SCRAM" is invalid: expected SASL_SSL or PLAINTEXT/);
  });

  it('refuses to reuse a running Kafka of the other security, naming both', () => {
    const paths = { repoRoot: '/r', cacheDir: '/c', stateDir: '/r/.stack', runDir: '/r/.stack/run', logsDir: '/r/.stack/logs' };
    const plain = ['java', '-cp', 'x', 'kafka.Kafka', '/r/.stack/kafka/server.properties'];
    const secure = ['java', '-cp', 'x', 'kafka.Kafka', '/r/.stack/kafka-sasl-ssl/server.properties'];
    const ctx = (kafkaSecurity?: 'SASL_SSL') => ({ paths, log: () => undefined, options: { ...compileStackOptions({}), ...(kafkaSecurity ? { kafkaSecurity } : {}) } });
    assert.equal(kafkaSecurityMismatch(plain, ctx()), undefined);
    assert.equal(kafkaSecurityMismatch(secure, ctx('SASL_SSL')), undefined);
    assert.match(kafkaSecurityMismatch(plain, ctx('SASL_SSL')) ?? '', /runs from this checkout as PLAINTEXT, not as SASL_SSL/);
    assert.match(kafkaSecurityMismatch(secure, ctx()) ?? '', /runs from this checkout as SASL_SSL, not as PLAINTEXT/);
  });

  it('makes Prometheus read file_sd targets from the targets directory', () => {
    const text = prometheusConfig(19090, '/repo/.stack/prometheus/targets');
    assert.match(text, /files: \['\/repo\/\.stack\/prometheus\/targets\/\*\.json'\]/);
    assert.match(text, /refresh_interval: 5s/);
  });
});
