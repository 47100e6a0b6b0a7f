import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILTIN_RULES } from '@creditstream/fraud-service';
import { CliOptionError } from '../src/errors';
import { runFraudReplay, runFraudRulesPublish, runFraudRulesValidate } from '../src/fraud';
import { recordingIo } from './helpers';

describe('creditstream fraud rules', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fraud-rules-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('validate accepts a rule set (YAML is read too: see the fraud service\'s tests) and names its version', () => {
    const io = recordingIo();
    const rules = runFraudRulesValidate(file('r.json', JSON.stringify({ ...BUILTIN_RULES, version: 'json-1' })), io);
    assert.equal(rules.version, 'json-1');
    assert.match(io.outLines.join('\n'), /^OK: .*r\.json is fraud rule set json-1 \(review at 0\.5, sha256 [0-9a-f]{12}\)$/);
  });

  it('validate, publish and replay refuse an invalid rule set before touching Kafka, naming the file and the path', async () => {
    const bad = file('bad.json', JSON.stringify({ ...BUILTIN_RULES, reviewThreshold: 2 }));
    const named = (e: unknown) => e instanceof CliOptionError && e.message.includes('bad.json') && /\/reviewThreshold must be <= 1/.test(e.message);
    assert.throws(() => runFraudRulesValidate(bad, recordingIo()), named);
    // No KAFKA_BROKERS in the environment: reaching Kafka would fail with a configuration error instead.
    await assert.rejects(runFraudRulesPublish(bad, { by: 'test' }, recordingIo(), {}), named);
    await assert.rejects(runFraudReplay({ rules: bad, out: dir }, recordingIo(), {}), named);
    await assert.rejects(runFraudRulesPublish(file('ok.json', JSON.stringify(BUILTIN_RULES)), { by: 'test', effective: 'tomorrow' }, recordingIo(), {}), (e: unknown) => e instanceof CliOptionError && /--effective "tomorrow" is not an ISO timestamp/.test(e.message));
    await assert.rejects(runFraudReplay({ rules: bad, out: dir, from: '2024-13' }, recordingIo(), {}), (e: unknown) => e instanceof CliOptionError && /--from "2024-13" is not a date/.test(e.message));
  });
});
