import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import { FraudRulesInvalidError } from '../errors';
import type { FraudRuleSet, Ramp } from './rule-set';

/** The package's root (works from `src` via ts-node and from `dist/src`). */
function packageRoot(): string {
  const fromDist = join(__dirname, '..', '..', '..');
  try {
    readFileSync(join(fromDist, 'package.json'));
    return fromDist;
  } catch {
    return join(__dirname, '..', '..');
  }
}

/** Path of the published JSON Schema of fraud rule sets. */
export const RULE_SET_SCHEMA_FILE = join(packageRoot(), 'schema', 'fraud-rule-set.schema.json');

/** The JSON Schema every fraud rule set is validated against (`schema/fraud-rule-set.schema.json`). */
export const RULE_SET_SCHEMA: { $id: string } & Record<string, unknown> = JSON.parse(readFileSync(RULE_SET_SCHEMA_FILE, 'utf8'));

const validateSchema = new Ajv2020({ allErrors: true, strict: true }).compile(RULE_SET_SCHEMA);

function describe(e: ErrorObject): string {
  const at = e.instancePath === '' ? 'the rule set' : e.instancePath;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `${at} has an unknown property ${JSON.stringify(params.additionalProperty)}`;
  if (e.keyword === 'required') return `${at} lacks the required property ${JSON.stringify(params.missingProperty)}`;
  if (e.keyword === 'enum') return `${at} ${e.message ?? 'is invalid'}: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${at} ${e.message ?? 'is invalid'}`;
}

/** Semantic checks the JSON Schema cannot say: every ramp rises, the new-account window is not inverted. */
function checkConsistency(r: FraudRuleSet): void {
  const ramp = (path: string, x: Ramp) => {
    if (!(x.saturation > x.threshold)) throw new FraudRulesInvalidError(path, `${path}: saturation ${x.saturation} must be above threshold ${x.threshold}`);
  };
  const s = r.signals;
  s.velocity.windows.forEach((w, i) => ramp(`/signals/velocity/windows/${i}/ratio`, w.ratio));
  ramp('/signals/amount-anomaly/robustZ', s['amount-anomaly'].robustZ);
  ramp('/signals/new-account-large-order/orderShareOfLimit', s['new-account-large-order'].orderShareOfLimit);
  ramp('/signals/new-account-large-order/cumulativeShareOfLimit', s['new-account-large-order'].cumulativeShareOfLimit);
  ramp('/signals/dormancy-large-order/amountRatio', s['dormancy-large-order'].amountRatio);
  ramp('/signals/over-credit-limit/exposureRatio', s['over-credit-limit'].exposureRatio);
  const n = s['new-account-large-order'];
  if (n.maxDays < n.fullDays) throw new FraudRulesInvalidError('/signals/new-account-large-order/maxDays', `/signals/new-account-large-order/maxDays: ${n.maxDays} must not be below fullDays ${n.fullDays}`);
}

/**
 * Validates a parsed rule-set document against the published JSON Schema and the consistency checks.
 * @throws FraudRulesInvalidError naming the path of the first problem (every schema problem is in the message).
 */
export function validateRuleSet(document: unknown): FraudRuleSet {
  if (!validateSchema(document)) {
    const errors = validateSchema.errors ?? [];
    const first = errors[0];
    throw new FraudRulesInvalidError(first?.instancePath ?? '', `invalid fraud rule set: ${errors.map(describe).join('; ')}`);
  }
  const rules = document as unknown as FraudRuleSet & { $schema?: string };
  checkConsistency(rules);
  const { $schema: _schema, ...rest } = rules;
  return rest;
}

/**
 * Parses a rule-set file's text (JSON, or YAML when it is not JSON) and validates it.
 * @throws FraudRulesInvalidError when it is neither, or not a valid rule set.
 */
export function parseRuleSet(text: string, source = 'the rule set'): FraudRuleSet {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (jsonError) {
    try {
      document = parseYaml(text);
    } catch (yamlError) {
      throw new FraudRulesInvalidError('', `${source} is neither JSON (${(jsonError as Error).message}) nor YAML (${(yamlError as Error).message})`);
    }
  }
  return validateRuleSet(document);
}

/** JSON with every object's keys sorted: the same rule set always has the same text and digest. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sort(value));
}

/** SHA-256 (hex) of a text. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The built-in rule set (`rules/builtin.json`): what checks orders before any rule set is published. */
export const BUILTIN_RULES: FraudRuleSet = parseRuleSet(readFileSync(join(packageRoot(), 'rules', 'builtin.json'), 'utf8'), 'rules/builtin.json');
