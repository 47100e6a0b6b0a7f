import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { parse as parseYaml } from 'yaml';
import { RuleSetInvalidError, RuleSetUnreadableError } from '../errors';

/** Rule types of the rule set (see schema/credit-rule-set.schema.json for what each fires on). */
export const RULE_TYPES = [
  'days-overdue',
  'account-status',
  'terms-of-payment',
  'credit-limit-exceeded',
  'credit-limit-expired',
  'group-limit-exceeded',
  'overdue-amount',
  'order-amount',
  'credit-limit-used',
  'expected-late-balance',
  'on-time-probability',
  'order-amount-at-most',
  'always',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

export interface RuleScope {
  customerId?: string;
  groupId?: string;
}

/** One rule as written in the document (parameters by type; absent ones are undefined). */
export interface RuleDefinition {
  id: string;
  type: RuleType;
  mode?: 'blocking' | 'exclusion';
  scope?: RuleScope;
  description?: string;
  days?: number;
  graceDays?: number;
  statuses?: ('BLOCKED' | 'CLOSED')[];
  maxNetDays?: number;
  termsCodes?: string[];
  amountMinor?: number;
  percentOfLimit?: number;
  percent?: number;
  share?: number;
  below?: number;
}

/** A rule set document, as validated against the published JSON Schema. */
export interface RuleSetDocument {
  version: string;
  description?: string;
  checkpoints?: { orderPlaced?: boolean; orderShipped?: { enabled?: boolean; graceDays?: number } };
  accountRules?: {
    returnedPayments?: { count: number; withinDays: number; nsfOnly?: boolean };
    daysOverdue?: { days: number };
  };
  rules: RuleDefinition[];
}

/** A validated rule set, with defaults applied, ready to evaluate. */
export interface RuleSet {
  version: string;
  /** SHA-256 of the canonical JSON document. */
  sha256: string;
  checkpoints: { orderPlaced: boolean; orderShipped: { enabled: boolean; graceDays: number } };
  accountRules: { returnedPayments: { count: number; withinDays: number; nsfOnly: boolean } | null; daysOverdue: { days: number } | null };
  rules: (RuleDefinition & { mode: 'blocking' | 'exclusion' })[];
  /** The document as JSON (what the rules topic carries). */
  document: string;
}

/** Where the published JSON Schema of the rule set lives (in the package, beside dist/). */
export const RULE_SET_SCHEMA_PATH = join(__dirname, '..', '..', '..', 'schema', 'credit-rule-set.schema.json');

let compiled: ReturnType<Ajv2020['compile']> | null = null;

function validator(): ReturnType<Ajv2020['compile']> {
  if (compiled === null) {
    const ajv = new Ajv2020({ allErrors: false, discriminator: true, strict: true, strictRequired: false, useDefaults: false });
    compiled = ajv.compile(JSON.parse(readFileSync(RULE_SET_SCHEMA_PATH, 'utf8')) as object);
  }
  return compiled;
}

/** A JSON pointer of ajv as a readable path: `/rules/2/days` → `rules[2].days`. */
function readablePath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out === '' ? part : `${out}.${part}`), '');
}

function describe(e: ErrorObject): { path: string; detail: string } {
  const base = readablePath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return { path: base === '' ? String(params.additionalProperty) : `${base}.${String(params.additionalProperty)}`, detail: 'is not a known field' };
  if (e.keyword === 'required') return { path: base === '' ? String(params.missingProperty) : `${base}.${String(params.missingProperty)}`, detail: 'is required' };
  if (e.keyword === 'discriminator') return { path: base === '' ? 'type' : `${base}.type`, detail: `must be one of ${RULE_TYPES.join(', ')}` };
  return { path: base, detail: e.message ?? e.keyword };
}

/**
 * Validates a parsed rule set document against the published JSON Schema and the checks a schema cannot express
 * (unique rule ids, at least one threshold where a rule takes two), and applies the defaults.
 * @throws RuleSetInvalidError naming the path of the first problem.
 */
export function compileRuleSet(document: unknown): RuleSet {
  const validate = validator();
  if (!validate(document)) {
    const first = (validate.errors ?? [])[0];
    if (first === undefined) throw new RuleSetInvalidError('', 'does not match the schema');
    const { path, detail } = describe(first);
    throw new RuleSetInvalidError(path, detail);
  }
  const doc = document as RuleSetDocument;
  const seen = new Set<string>();
  doc.rules.forEach((r, i) => {
    if (seen.has(r.id)) throw new RuleSetInvalidError(`rules[${i}].id`, `${JSON.stringify(r.id)} is used by an earlier rule; rule ids must be unique`);
    seen.add(r.id);
    if (r.type === 'overdue-amount' && r.amountMinor === undefined && r.percentOfLimit === undefined) throw new RuleSetInvalidError(`rules[${i}]`, 'an overdue-amount rule needs amountMinor or percentOfLimit');
    if (r.type === 'expected-late-balance' && r.amountMinor === undefined && r.share === undefined) throw new RuleSetInvalidError(`rules[${i}]`, 'an expected-late-balance rule needs amountMinor or share');
    if (r.type === 'terms-of-payment' && r.maxNetDays === undefined && r.termsCodes === undefined) throw new RuleSetInvalidError(`rules[${i}]`, 'a terms-of-payment rule needs maxNetDays or termsCodes');
  });
  const json = JSON.stringify(doc);
  const returned = doc.accountRules?.returnedPayments;
  return {
    version: doc.version,
    sha256: createHash('sha256').update(json).digest('hex'),
    checkpoints: { orderPlaced: doc.checkpoints?.orderPlaced ?? true, orderShipped: { enabled: doc.checkpoints?.orderShipped?.enabled ?? false, graceDays: doc.checkpoints?.orderShipped?.graceDays ?? 0 } },
    accountRules: {
      returnedPayments: returned ? { count: returned.count, withinDays: returned.withinDays, nsfOnly: returned.nsfOnly ?? false } : null,
      daysOverdue: doc.accountRules?.daysOverdue ?? null,
    },
    rules: doc.rules.map((r) => ({ ...r, mode: r.mode ?? 'blocking' })),
    document: json,
  };
}

/** Parses a rule set written as YAML or JSON (JSON is YAML) and compiles it. */
export function parseRuleSet(text: string, source = 'document'): RuleSet {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new RuleSetUnreadableError(source, `is neither valid YAML nor JSON: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return compileRuleSet(parsed);
}

/** Reads and compiles a rule set file (YAML or JSON). */
export function readRuleSetFile(file: string): RuleSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RuleSetUnreadableError(file, `cannot be read: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return parseRuleSet(text, file);
}

/** Rule types that read the payment predictions (the customer's outlook from the scoring service). */
const PREDICTION_RULE_TYPES: readonly string[] = ['expected-late-balance', 'on-time-probability'];

/**
 * Whether any rule of the set reads the payment predictions: only then does a decision use (and name) a model. A
 * decision that names the model of whatever outlook had arrived, without reading it, would differ between live
 * processing (the outlook comes after the events it follows) and a replay of the same log.
 */
export function readsPredictions(ruleSet: RuleSet): boolean {
  return ruleSet.rules.some((r) => PREDICTION_RULE_TYPES.includes(r.type));
}

/**
 * The rule set in force until one is published: a blocked account, an exceeded credit group limit, an exceeded or
 * expired credit limit, and an invoice more than 60 days overdue hold an order. (builtin-1 had no group rule.)
 */
export const DEFAULT_RULE_SET_DOCUMENT: RuleSetDocument = {
  version: 'builtin-2',
  description: 'Built-in rules, in force until a rule set is published.',
  checkpoints: { orderPlaced: true },
  rules: [
    { id: 'account-blocked', type: 'account-status', statuses: ['BLOCKED'] },
    { id: 'group-credit-limit', type: 'group-limit-exceeded' },
    { id: 'credit-limit', type: 'credit-limit-exceeded' },
    { id: 'limit-expired', type: 'credit-limit-expired' },
    { id: 'overdue-60', type: 'days-overdue', days: 60 },
  ],
};
