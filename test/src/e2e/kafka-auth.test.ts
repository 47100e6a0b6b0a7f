import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FEATURE_INPUTS } from '@creditstream/feature-service';
import { createKafka, KafkaAuthenticationError, kafkaSecurityFromEnv, type Kafka } from '@creditstream/kafka';
import { TOPIC } from '@creditstream/schemas';
import { SCORING_INPUTS } from '@creditstream/scoring-service';
import { REPO_ROOT, uniqueName } from '@creditstream/testing';
import { spawnService, waitCaughtUp } from './pipeline';
import { runNode, startSecureKafka, type SecureKafka } from './secure-kafka';

const CLI = join(REPO_ROOT, 'services', 'cli', 'bin', 'creditstream.js');
const FEATURE_MAIN = join(REPO_ROOT, 'services', 'feature-service', 'dist', 'src', 'main.js');
const SCORING_MAIN = join(REPO_ROOT, 'services', 'scoring-service', 'dist', 'src', 'main.js');

/** The environment of a process that talks to the secure Kafka: the shared registry and MongoDB, no Kafka security unless given. */
function processEnv(secure: SecureKafka, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: secure.brokers, LOG_LEVEL: 'warn', ...extra };
  for (const name of Object.keys(env)) if (/^KAFKA_(SECURITY|SASL|SSL)_/.test(name) && !(name in extra)) delete env[name];
  return env;
}

describe('Kafka with SASL/SCRAM-SHA-512 over TLS (a second, secured Kafka of the local stack)', function () {
  this.timeout(300_000);
  let secure: SecureKafka;
  let kafka: Kafka;

  before(async function () {
    this.timeout(180_000);
    secure = await startSecureKafka();
    kafka = createKafka({ brokers: [secure.brokers], clientId: 'kafka-auth-test', security: kafkaSecurityFromEnv(secure.clientEnv) });
  });
  after(async () => {
    await secure?.stop();
  });

  it('refuses a client without credentials: the CLI simulator exits non-zero saying the broker wants TLS or SASL', async () => {
    const prefix = `${uniqueName('auth-none')}.`;
    const run = await runNode(CLI, ['simulate', '--seed', '1', '--customers', '3', '--days', '10'], processEnv(secure, { CREDITSTREAM_TOPIC_PREFIX: prefix }), 120_000);
    assert.notEqual(run.code, 0, `the simulator without credentials must fail: ${run.stdout}`);
    assert.match(run.stderr, new RegExp(`Kafka at ${secure.brokers} closed the connection of a client connecting with PLAINTEXT: a broker whose listener requires TLS or SASL`));
  });

  it('refuses a wrong password at once, naming the user and never the password; the feature service fails to start with it', async () => {
    const wrong: Record<string, string> = { ...secure.clientEnv, KAFKA_SASL_PASSWORD: 'not-the-password' };
    delete wrong.KAFKA_SASL_PASSWORD_FILE;
    const admin = createKafka({ brokers: [secure.brokers], clientId: 'wrong-password', security: kafkaSecurityFromEnv(wrong) }).admin();
    await assert.rejects(admin.connect(), (err: unknown) => {
      assert.ok(err instanceof KafkaAuthenticationError, String(err));
      assert.equal(err.retriable, false);
      assert.match(err.message, /refused the SASL login of user "creditstream" \(scram-sha-512\)/);
      assert.doesNotMatch(err.message, /not-the-password/);
      return true;
    });
    const service = await runNode(FEATURE_MAIN, [], processEnv(secure, { ...wrong, MONGODB_DATABASE: uniqueName('auth').replace(/[-.]/g, '_'), CREDITSTREAM_TOPIC_PREFIX: `${uniqueName('auth-wrong')}.`, HTTP_PORT: '0' }), 120_000);
    assert.notEqual(service.code, 0);
    assert.match(service.stdout + service.stderr, /KAFKA_AUTHENTICATION_FAILED|refused the SASL login of user \\"creditstream\\"/);
    assert.doesNotMatch(service.stdout + service.stderr, /not-the-password/);
  });

  it('passes MongoDB credentials from MONGODB_URI to the server: SecantusDB refuses a user it does not know, and the service stops at once (no start-up retries) saying so without the password', async () => {
    const uri = (process.env.MONGODB_URI as string).replace('mongodb://', 'mongodb://creditstream-nobody:hunter2@');
    const service = await runNode(FEATURE_MAIN, [], processEnv(secure, { ...secure.clientEnv, MONGODB_URI: uri, MONGODB_DATABASE: uniqueName('auth').replace(/[-.]/g, '_'), CREDITSTREAM_TOPIC_PREFIX: `${uniqueName('auth-mongo')}.`, HTTP_PORT: '0' }), 120_000);
    const output = service.stdout + service.stderr;
    assert.notEqual(service.code, 0);
    assert.match(output, /STORE_AUTHENTICATION_FAILED/);
    assert.match(output, /cannot connect to MongoDB at mongodb:\/\/\*\*\*@127\.0\.0\.1:\d+.*refused the user and password of MONGODB_URI.*[Aa]uthentication failed/);
    assert.doesNotMatch(output, /starting again/, 'wrong credentials are not waited out like an outage');
    assert.doesNotMatch(output, /hunter2/);
  });

  it('runs the pipeline with credentials: the CLI simulates a company, the feature service folds it and commits, the scoring service predicts, features verify finds no difference', async () => {
    const prefix = `${uniqueName('auth-ok')}.`;
    const database = uniqueName('auth').replace(/[-.]/g, '_');
    const groupId = uniqueName('feature-service-auth');
    const scoringGroup = uniqueName('scoring-service-auth');
    const env = processEnv(secure, { ...secure.clientEnv, CREDITSTREAM_TOPIC_PREFIX: prefix, MONGODB_DATABASE: database, FEATURE_SERVICE_GROUP_ID: groupId, SCORING_SERVICE_GROUP_ID: scoringGroup, HTTP_PORT: '0' });
    const simulated = await runNode(CLI, ['simulate', '--seed', '7', '--customers', '25', '--days', '120'], env, 180_000);
    assert.equal(simulated.code, 0, simulated.stderr);
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    assert.ok(topics.includes(`${prefix}${TOPIC.invoices}`), 'the simulator created its topics on the secure Kafka');

    const services = [spawnService(FEATURE_MAIN, env), spawnService(SCORING_MAIN, env)];
    try {
      await waitCaughtUp(kafka, groupId, FEATURE_INPUTS.map((t) => `${prefix}${t}`), 180_000);
      await waitCaughtUp(kafka, scoringGroup, SCORING_INPUTS.map((t) => `${prefix}${t}`), 180_000);
      const offsets = kafka.admin();
      await offsets.connect();
      const produced = async (topic: string) => (await offsets.fetchTopicOffsets(`${prefix}${topic}`)).reduce((n, p) => n + Number(p.high), 0);
      assert.ok((await produced(TOPIC.featuresChanged)) > 0, 'the feature service produced its output to the secure Kafka');
      assert.ok((await produced(TOPIC.invoicePredictions)) > 0, 'the scoring service produced predictions to the secure Kafka');
      await offsets.disconnect();
    } finally {
      for (const service of services) {
        await service.announced;
        service.child.kill('SIGTERM');
        assert.equal(await service.exited, 0, 'a clean, drained stop');
      }
    }
    const verify = await runNode(CLI, ['features', 'verify'], env, 180_000);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^OK: 25 customers in \S+ equal a from-scratch fold of [\d,]+ events$/m);
  });
});
