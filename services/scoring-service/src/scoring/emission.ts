import type { PaymentBucket } from '@creditstream/schemas';

/** The parts of a prediction that decide whether it is worth a new event. */
export interface Emittable {
  pOnTime: number;
  pLate: number;
  pVeryLate: number;
  predictedBucket: PaymentBucket;
  atRisk: boolean;
  modelVersion: string;
}

/**
 * Whether a new prediction must be emitted over the current one: always when there is none or the model changed;
 * otherwise when a probability moved by at least `minChange` or the bucket or the at-risk flag changed. Comparing
 * with the last emitted prediction (not the last scored one) keeps small daily drifts from adding up unseen.
 */
export function shouldEmit(current: Emittable | undefined, next: Emittable, minChange: number): boolean {
  if (current === undefined || current.modelVersion !== next.modelVersion) return true;
  if (current.predictedBucket !== next.predictedBucket || current.atRisk !== next.atRisk) return true;
  return Math.abs(current.pOnTime - next.pOnTime) >= minChange || Math.abs(current.pLate - next.pLate) >= minChange || Math.abs(current.pVeryLate - next.pVeryLate) >= minChange;
}
