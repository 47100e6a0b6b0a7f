/** A check as scored: its order, its score and whether it asked for a review. */
export interface ScoredOrder {
  customerId: string;
  orderId: string;
  score: number;
  review: boolean;
}

/** How well checks find the fraudulent orders a ground truth names. */
export interface FraudEvaluation {
  orders: number;
  fraudulent: number;
  reviewed: number;
  /** Fraudulent orders reviewed. */
  caught: number;
  /** caught / fraudulent (NaN without fraud). */
  recall: number;
  /** caught / reviewed (NaN without reviews). */
  precision: number;
  /** reviewed / orders. */
  reviewRate: number;
  /** Area under the precision-recall curve of the score (average precision; tied scores taken together). */
  prAuc: number;
}

/**
 * Evaluates checks against the set of fraudulent orders (keys `<customer>/<order>`): recall and precision of the
 * REVIEW outcome, the share of orders reviewed, and the PR AUC of the score. Orders the truth names but no check
 * covers count as missed.
 */
export function evaluateChecks(checks: readonly ScoredOrder[], fraudulent: ReadonlySet<string>): FraudEvaluation {
  let reviewed = 0;
  let caught = 0;
  const scored: [number, boolean][] = [];
  for (const c of checks) {
    const y = fraudulent.has(`${c.customerId}/${c.orderId}`);
    scored.push([c.score, y]);
    if (c.review) {
      reviewed += 1;
      if (y) caught += 1;
    }
  }
  scored.sort((a, b) => b[0] - a[0]);
  const positives = fraudulent.size;
  let ap = 0;
  let truePositives = 0;
  for (let i = 0; i < scored.length; ) {
    let j = i;
    let tied = 0;
    while (j < scored.length && (scored[j] as [number, boolean])[0] === (scored[i] as [number, boolean])[0]) {
      if ((scored[j] as [number, boolean])[1]) tied += 1;
      j += 1;
    }
    truePositives += tied;
    if (tied > 0 && positives > 0) ap += (tied / positives) * (truePositives / j);
    i = j;
  }
  return { orders: checks.length, fraudulent: positives, reviewed, caught, recall: positives === 0 ? NaN : caught / positives, precision: reviewed === 0 ? NaN : caught / reviewed, reviewRate: checks.length === 0 ? NaN : reviewed / checks.length, prAuc: positives === 0 ? NaN : ap };
}
