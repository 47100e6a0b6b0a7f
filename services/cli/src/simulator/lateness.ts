import type { CustomerProfile } from './population';

/** Probability of each payment bucket. Sums to 1. */
export interface BucketProbabilities {
  readonly onTime: number;
  readonly late: number;
  readonly veryLate: number;
}

export type Bucket = 'ON_TIME' | 'LATE' | 'VERY_LATE';

/** Days after due beyond which a payment is very late (DESIGN.md's V), and the grace days (G): the simulator's truth. */
export const VERY_LATE_AFTER_DAYS = 30;

/**
 * Cut points of the ordered-logit model: P(on time) = σ(0 − s), P(on time or late) = σ(3.5 − s) for a latent
 * lateness score s. One score moves the whole distribution, as real payment behaviour does.
 */
const CUT_ON_TIME = 0;
const CUT_LATE = 3.5;
/** How much an open dispute raises the score. */
const DISPUTE_SHIFT = 1.8;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function orderedLogit(score: number): BucketProbabilities {
  const onTime = sigmoid(CUT_ON_TIME - score);
  const upToLate = sigmoid(CUT_LATE - score);
  return { onTime, late: upToLate - onTime, veryLate: 1 - upToLate };
}

/** Everything the truth depends on, known at issue time (latent world state included: this is an oracle). */
export interface LatenessInputs {
  readonly profile: CustomerProfile;
  readonly issueDay: number;
  readonly dueMonth: number;
  readonly netDays: number;
  /** Invoice amount relative to the customer's median order. */
  readonly amountRatio: number;
  /** NSF returns of the customer in the 90 days before issue. */
  readonly recentNsf: number;
  /** Macro shock intensity on the due date (0 when none). */
  readonly macroShock: number;
  /** 0 for the customer's first invoice. */
  readonly invoiceOrdinal: number;
}

export interface InvoiceOutlook {
  /** Latent score without a dispute. */
  readonly score: number;
  readonly disputeProbability: number;
  readonly withoutDispute: BucketProbabilities;
  readonly withDispute: BucketProbabilities;
  /** The truth at issue time: P(bucket), marginal over whether a dispute will come. */
  readonly probabilities: BucketProbabilities;
}

/** 0 in the peak month, 1 six months away from it. */
export function offSeason(month: number, peakMonth: number): number {
  const d = Math.abs(month - peakMonth);
  return Math.min(d, 12 - d) / 6;
}

/** The latent lateness score of an invoice without dispute. */
export function latenessScore(i: LatenessInputs): number {
  const p = i.profile;
  if (p.behaviour === 'fraudulent' && i.invoiceOrdinal === 0) return -1.5;
  let s = p.params.baseScore + p.randomEffect;
  s += 0.45 * Math.log(Math.max(i.amountRatio, 0.05));
  s += 0.12 * ((i.netDays - 30) / 15);
  if (i.dueMonth === 12 || i.dueMonth === 8) s += 0.35;
  if (p.behaviour === 'seasonal') s += 2.6 * offSeason(i.dueMonth, p.peakMonth) ** 2;
  if (p.behaviour === 'deteriorating') s += Math.min(4.5, Math.max(0, i.issueDay - p.deteriorationOnset) * p.deteriorationPerDay);
  s += 0.9 * Math.min(i.recentNsf, 3);
  s += i.macroShock;
  return s;
}

/** The exact bucket probabilities of an invoice at issue time, as the mixture over a later dispute. */
export function invoiceOutlook(i: LatenessInputs): InvoiceOutlook {
  const score = latenessScore(i);
  const disputeProbability = Math.min(0.9, i.profile.params.disputeRate * (i.amountRatio > 2 ? 1.5 : 1));
  const withoutDispute = orderedLogit(score);
  const withDispute = orderedLogit(score + DISPUTE_SHIFT);
  const w = disputeProbability;
  return {
    score,
    disputeProbability,
    withoutDispute,
    withDispute,
    probabilities: {
      onTime: (1 - w) * withoutDispute.onTime + w * withDispute.onTime,
      late: (1 - w) * withoutDispute.late + w * withDispute.late,
      veryLate: (1 - w) * withoutDispute.veryLate + w * withDispute.veryLate,
    },
  };
}

/** Draws a bucket from its probabilities with a uniform number u in [0,1). */
export function bucketOf(p: BucketProbabilities, u: number): Bucket {
  if (u < p.onTime) return 'ON_TIME';
  if (u < p.onTime + p.late) return 'LATE';
  return 'VERY_LATE';
}
