import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { PolicyInvalidError } from './errors';

/** One level of a collection letter sequence. */
export interface LetterLevel {
  /** Level 1: days after the due date (the grace); later levels: days after the previous letter of the invoice. */
  days: number;
  /** No letter of this level while the customer's dunnable overdue balance (in the currency) is below this. */
  minOverdueMinor: number;
  feeMinor: number;
  note: string;
  blocksAccount: boolean;
}

export interface LetterSequence {
  sequenceId: string;
  /** 1 to 5 levels. */
  levels: LetterLevel[];
}

export interface InterestTier {
  /** Days overdue from which the tier applies. */
  fromDays: number;
  /** Interest per month in basis points (1.5% = 150); a day is charged 12/365 of it. */
  monthlyRateBasisPoints: number;
}

export interface InterestCode {
  code: string;
  /** Sorted by fromDays, the first from 0. */
  tiers: InterestTier[];
  interestOnInterest: boolean;
  minNoteMinor: number;
}

export interface PolicyOverride {
  segment?: string;
  customerId?: string;
  sequenceId?: string;
  interestCode?: string | null;
}

/** A collection policy, as published (validated against `schema/collection-policy.schema.json`, defaults applied). */
export interface CollectionPolicy {
  policyId: string;
  version: string;
  effectiveFrom: string;
  agingPeriods: number[];
  sequences: LetterSequence[];
  defaultSequence: string;
  interestCodes: InterestCode[];
  defaultInterestCode: string | null;
  overrides: PolicyOverride[];
  prediction: { threshold: number; hysteresis: number };
  promises: { graceDays: number };
  nsf: { feeMinor: number };
  writeOff: { minDaysOverdue: number; maxPRecovery: number; fourEyesAboveMinor: number };
}

/** The published JSON Schema of a collection policy document. */
export const POLICY_SCHEMA_FILE = join(__dirname, '..', '..', 'schema', 'collection-policy.schema.json');

let validator: ReturnType<Ajv['compile']> | null = null;
function validate(doc: unknown): string[] {
  if (validator === null) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
    validator = ajv.compile(JSON.parse(readFileSync(POLICY_SCHEMA_FILE, 'utf8')) as object);
  }
  if (validator(doc)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

function isDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

/**
 * Validates a policy document against the published JSON Schema, applies its defaults, and checks what a schema
 * cannot say (references between parts, tier order). Returns a new object; the input is not changed.
 * @throws PolicyInvalidError naming every problem with its path.
 */
export function compilePolicy(document: unknown): CollectionPolicy {
  const doc = structuredClone(document) as Record<string, unknown>;
  if (typeof doc === 'object' && doc !== null) {
    doc.agingPeriods ??= [30, 60, 90];
    doc.overrides ??= [];
    doc.defaultInterestCode ??= null;
    doc.prediction ??= {};
    doc.promises ??= {};
    doc.nsf ??= {};
    doc.writeOff ??= {};
  }
  const problems = validate(doc);
  if (problems.length > 0) throw new PolicyInvalidError(problems);
  const p = doc as unknown as CollectionPolicy;
  for (const s of p.sequences) for (const l of s.levels) l.blocksAccount ??= false;
  for (const c of p.interestCodes) {
    c.interestOnInterest ??= false;
    c.minNoteMinor ??= 0;
  }
  const more: string[] = [];
  if (!isDate(p.effectiveFrom)) more.push(`/effectiveFrom ${JSON.stringify(p.effectiveFrom)} is not a calendar date`);
  const seqIds = new Set<string>();
  p.sequences.forEach((s, i) => {
    if (seqIds.has(s.sequenceId)) more.push(`/sequences/${i} repeats sequenceId ${JSON.stringify(s.sequenceId)}`);
    seqIds.add(s.sequenceId);
  });
  const codes = new Set<string>();
  p.interestCodes.forEach((c, i) => {
    if (codes.has(c.code)) more.push(`/interestCodes/${i} repeats code ${JSON.stringify(c.code)}`);
    codes.add(c.code);
    if (c.tiers[0]?.fromDays !== 0) more.push(`/interestCodes/${i}/tiers/0 must start at fromDays 0`);
    for (let t = 1; t < c.tiers.length; t++) if ((c.tiers[t]?.fromDays ?? 0) <= (c.tiers[t - 1]?.fromDays ?? 0)) more.push(`/interestCodes/${i}/tiers/${t} fromDays must be greater than the tier before`);
  });
  if (!seqIds.has(p.defaultSequence)) more.push(`/defaultSequence names no sequence: ${JSON.stringify(p.defaultSequence)}`);
  if (p.defaultInterestCode !== null && !codes.has(p.defaultInterestCode)) more.push(`/defaultInterestCode names no interest code: ${JSON.stringify(p.defaultInterestCode)}`);
  p.overrides.forEach((o, i) => {
    if (o.sequenceId !== undefined && !seqIds.has(o.sequenceId)) more.push(`/overrides/${i}/sequenceId names no sequence: ${JSON.stringify(o.sequenceId)}`);
    if (o.interestCode !== undefined && o.interestCode !== null && !codes.has(o.interestCode)) more.push(`/overrides/${i}/interestCode names no interest code: ${JSON.stringify(o.interestCode)}`);
  });
  for (let i = 1; i < p.agingPeriods.length; i++) if ((p.agingPeriods[i] ?? 0) <= (p.agingPeriods[i - 1] ?? 0)) more.push(`/agingPeriods must increase, got ${JSON.stringify(p.agingPeriods)}`);
  if (more.length > 0) throw new PolicyInvalidError(more);
  return p;
}

/** How actions name the policy they were decided under. */
export function policyVersion(p: CollectionPolicy): string {
  return `${p.policyId}@${p.version}`;
}

/** The letter sequence and interest code of a customer: its own override, else its segment's, else the defaults. */
export function resolveFor(p: CollectionPolicy, customerId: string, segment: string | null): { sequence: LetterSequence; interest: InterestCode | null } {
  let sequenceId = p.defaultSequence;
  let code = p.defaultInterestCode;
  const bySegment = segment === null ? undefined : p.overrides.find((o) => o.segment === segment);
  const byCustomer = p.overrides.find((o) => o.customerId === customerId);
  for (const o of [bySegment, byCustomer]) {
    if (o === undefined) continue;
    if (o.sequenceId !== undefined) sequenceId = o.sequenceId;
    if (o.interestCode !== undefined) code = o.interestCode;
  }
  const sequence = p.sequences.find((s) => s.sequenceId === sequenceId) as LetterSequence;
  return { sequence, interest: code === null ? null : (p.interestCodes.find((c) => c.code === code) ?? null) };
}

/**
 * The built-in policy, in force until one is published: five levels (the first 7 days after the due date, then every
 * 14 days; fees from the third), 1.5% a month from day 0 and 2% from day 91, the default prediction threshold 0.5
 * with hysteresis 0.1, 3 days of grace on promises, an NSF fee of 25.00, write-off proposals from 180 days.
 */
export const DEFAULT_POLICY: CollectionPolicy = compilePolicy({
  policyId: 'builtin',
  version: '1',
  effectiveFrom: '1970-01-01',
  agingPeriods: [30, 60, 90],
  sequences: [
    {
      sequenceId: 'standard',
      levels: [
        { days: 7, minOverdueMinor: 1000, feeMinor: 0, note: 'Friendly reminder: the invoices below are past due.' },
        { days: 14, minOverdueMinor: 1000, feeMinor: 0, note: 'Second reminder: please pay the overdue amount within 14 days.' },
        { days: 14, minOverdueMinor: 5000, feeMinor: 1000, note: 'Third reminder: a fee is charged.' },
        { days: 14, minOverdueMinor: 5000, feeMinor: 2000, note: 'Final notice before the account is blocked.' },
        { days: 14, minOverdueMinor: 5000, feeMinor: 2000, note: 'The account is blocked until the overdue amount is paid.', blocksAccount: true },
      ],
    },
  ],
  defaultSequence: 'standard',
  interestCodes: [{ code: 'standard', tiers: [{ fromDays: 0, monthlyRateBasisPoints: 150 }, { fromDays: 91, monthlyRateBasisPoints: 200 }], interestOnInterest: false, minNoteMinor: 100 }],
  defaultInterestCode: 'standard',
  overrides: [],
  prediction: { threshold: 0.5, hysteresis: 0.1 },
  promises: { graceDays: 3 },
  nsf: { feeMinor: 2500 },
  writeOff: { minDaysOverdue: 180, maxPRecovery: 0.2, fourEyesAboveMinor: 100_000 },
});

/** Labels of the aging buckets of `periods` (e.g. current, 1-30, 31-60, 61-90, over-90). */
export function bucketLabels(periods: readonly number[]): string[] {
  const labels = ['current'];
  let from = 1;
  for (const to of periods) {
    labels.push(`${from}-${to}`);
    from = to + 1;
  }
  labels.push(`over-${from - 1}`);
  return labels;
}
