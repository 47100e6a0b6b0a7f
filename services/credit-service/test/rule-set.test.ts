import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileRuleSet, DEFAULT_RULE_SET_DOCUMENT, parseRuleSet, RULE_SET_SCHEMA_PATH, RULE_TYPES, RuleSetInvalidError } from '../src';

function invalid(doc: unknown, path: string, detail: RegExp): void {
  assert.throws(() => compileRuleSet(doc), (err: unknown) => err instanceof RuleSetInvalidError && err.code === 'CREDIT_RULE_SET_INVALID' && err.path === path && detail.test(err.message), `expected ${path} ${detail}`);
}

describe('credit rule sets', () => {
  it('the built-in rule set is valid, and YAML and JSON give the same rule set', () => {
    const builtin = compileRuleSet(DEFAULT_RULE_SET_DOCUMENT);
    assert.equal(builtin.version, 'builtin-2');
    const yaml = parseRuleSet(`
version: "2024-06"
checkpoints: { orderPlaced: true }
accountRules:
  returnedPayments: { count: 3, withinDays: 90, nsfOnly: true }
rules:
  - id: overdue
    type: days-overdue
    days: 30
    graceDays: 5
  - id: vip
    type: always
    mode: exclusion
    scope: { customerId: C000042 }
`);
    const json = parseRuleSet(JSON.stringify({ version: '2024-06', checkpoints: { orderPlaced: true }, accountRules: { returnedPayments: { count: 3, withinDays: 90, nsfOnly: true } }, rules: [{ id: 'overdue', type: 'days-overdue', days: 30, graceDays: 5 }, { id: 'vip', type: 'always', mode: 'exclusion', scope: { customerId: 'C000042' } }] }));
    assert.deepEqual(yaml, json);
    assert.equal(yaml.rules[0]?.mode, 'blocking');
    assert.equal(yaml.sha256.length, 64);
  });

  it('errors name the path and what was wrong there', () => {
    invalid({ rules: [] }, 'version', /is required/);
    invalid({ version: 'v', rules: [{ id: 'a', type: 'days-overdue' }] }, 'rules[0].days', /is required/);
    invalid({ version: 'v', rules: [{ id: 'a', type: 'days-overdu', days: 3 }] }, 'rules[0].type', /must be one of days-overdue/);
    invalid({ version: 'v', rules: [{ id: 'a', type: 'order-amount', amountMinor: 5, extra: 1 }] }, 'rules[0].extra', /not a known field/);
    invalid({ version: 'v', rules: [{ id: 'a', type: 'order-amount', amountMinor: -5 }] }, 'rules[0].amountMinor', />= 0/);
    invalid({ version: 'v', rules: [{ id: 'a', type: 'always' }, { id: 'a', type: 'always' }] }, 'rules[1].id', /unique/);
    invalid({ version: 'v', rules: [{ id: 'a', type: 'overdue-amount' }] }, 'rules[0]', /amountMinor or percentOfLimit/);
    invalid({ version: 'v', rules: [{ id: 'a', type: 'always', scope: { customerId: 'x', groupId: 'y' } }] }, 'rules[0].scope', /more than 1/);
    assert.throws(() => parseRuleSet('version: [unclosed'), (err: unknown) => (err as { code?: string }).code === 'CREDIT_RULE_SET_UNREADABLE');
  });

  it('the published JSON Schema lists every rule type the service evaluates', () => {
    const schema = JSON.parse(readFileSync(RULE_SET_SCHEMA_PATH, 'utf8')) as { properties: { rules: { items: { oneOf: { properties: { type: { const: string } } }[] } } } };
    assert.deepEqual(schema.properties.rules.items.oneOf.map((b) => b.properties.type.const), [...RULE_TYPES]);
  });
});
