import assert from 'node:assert/strict';
import { stringify as yaml } from 'yaml';
import { addRuleSet, BUILTIN_RULES, canonicalJson, FraudRulesConflictError, FraudRulesInvalidError, initialRuleSet, KEPT_RULE_SETS, parseRuleSet, RULE_SET_SCHEMA, ruleSetAt, sha256, SIGNAL_CODES, type PublishedRuleSet } from '../src';

const invalid = (doc: unknown, path: RegExp, message: RegExp) =>
  assert.throws(
    () => parseRuleSet(JSON.stringify(doc)),
    (err: unknown) => err instanceof FraudRulesInvalidError && err.code === 'FRAUD_RULES_INVALID' && path.test(err.path) && message.test(err.message),
  );

describe('fraud rule sets', () => {
  it('the built-in rule set is valid against the published JSON Schema and has every signal', () => {
    assert.equal(RULE_SET_SCHEMA.$id, 'https://creditstream.io/schemas/fraud-rule-set.v1.schema.json');
    assert.deepEqual(Object.keys(BUILTIN_RULES.signals).sort(), [...SIGNAL_CODES].sort());
    assert.equal(BUILTIN_RULES.version, 'builtin-1');
  });

  it('reads YAML as well as JSON, to the same rule set', () => {
    assert.deepEqual(parseRuleSet(yaml(BUILTIN_RULES)), parseRuleSet(JSON.stringify(BUILTIN_RULES)));
  });

  it('refuses an invalid rule set, naming the path and the problem', () => {
    const doc = structuredClone(BUILTIN_RULES) as unknown as Record<string, unknown> & { signals: Record<string, Record<string, unknown>> };
    invalid({ ...doc, extra: 1 }, /^$/, /unknown property "extra"/);
    invalid({ ...doc, version: 'has spaces' }, /^\/version$/, /must match pattern/);
    invalid({ ...doc, signals: { ...doc.signals, velocity: { ...doc.signals.velocity, weight: 1.5 } } }, /^\/signals\/velocity\/weight$/, /must be <= 1/);
    invalid({ ...doc, signals: { ...doc.signals, 'recent-nsf': undefined } }, /^\/signals$/, /lacks the required property "recent-nsf"/);
    invalid({ ...doc, signals: { ...doc.signals, 'over-credit-limit': { weight: 0.4, exposureRatio: { threshold: 3, saturation: 2 } } } }, /^\/signals\/over-credit-limit\/exposureRatio$/, /saturation 2 must be above threshold 3/);
    invalid({ ...doc, signals: { ...doc.signals, 'new-account-large-order': { ...doc.signals['new-account-large-order'], fullDays: 60, maxDays: 30 } } }, /maxDays$/, /must not be below fullDays 60/);
    assert.throws(() => parseRuleSet('{ not: [json'), (err: unknown) => err instanceof FraudRulesInvalidError && /neither JSON .* nor YAML/.test(err.message));
  });

  it('the canonical JSON, and so the digest, does not depend on key order', () => {
    const reversed = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reversed) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
    const reordered = reversed(BUILTIN_RULES);
    assert.notEqual(JSON.stringify(reordered), JSON.stringify(BUILTIN_RULES));
    assert.equal(sha256(canonicalJson(reordered)), sha256(canonicalJson(BUILTIN_RULES)));
  });

  it('the rule set in force at a time is the latest effective at or before it, else the initial one', () => {
    const initial = initialRuleSet(BUILTIN_RULES);
    const entry = (version: string, effectiveAt: number): PublishedRuleSet => ({ version, effectiveAt, sha256: version, rules: BUILTIN_RULES });
    const list: PublishedRuleSet[] = [];
    assert.equal(addRuleSet(list, entry('b', 200)), true);
    assert.equal(addRuleSet(list, entry('a', 100)), true);
    assert.equal(addRuleSet(list, entry('c', 200)), true);
    assert.deepEqual(list.map((r) => r.version), ['a', 'b', 'c'], 'by effective time, then publication');
    assert.equal(ruleSetAt(list, initial, 99).version, 'builtin-1');
    assert.equal(ruleSetAt(list, initial, 100).version, 'a');
    assert.equal(ruleSetAt(list, initial, 250).version, 'c');
    assert.equal(addRuleSet(list, entry('a', 100)), false, 'the same version and document again changes nothing');
    assert.throws(() => addRuleSet(list, { ...entry('a', 100), sha256: 'other' }), FraudRulesConflictError);
    for (let i = 0; i < 20; i++) addRuleSet(list, entry(`v${i}`, 1000 + i));
    assert.equal(list.length, KEPT_RULE_SETS);
    assert.equal(list[list.length - 1]?.version, 'v19');
  });
});
