/** Strength 0 at or below `threshold`, 1 at or above `saturation`, linear in between. */
export interface Ramp {
  threshold: number;
  saturation: number;
}

/** The codes of the fraud signals, as fraud checks name them in their reasons; also the rule set's keys. */
export const SIGNAL_CODES = ['velocity', 'amount-anomaly', 'new-account-large-order', 'recent-nsf', 'dormancy-large-order', 'account-status', 'over-credit-limit'] as const;

export type SignalCode = (typeof SIGNAL_CODES)[number];

export interface VelocityWindow {
  hours: number;
  measure: 'count' | 'value';
  ratio: Ramp;
}

/**
 * A versioned fraud rule set (see `rules/fraud-rules.schema.json` for the meaning of every field). The score of a
 * check is 1 − Π(1 − weight × strength) over the signals; REVIEW at or above `reviewThreshold`.
 */
export interface FraudRuleSet {
  version: string;
  description?: string;
  reviewThreshold: number;
  signals: {
    velocity: { weight: number; windows: VelocityWindow[]; prior: { days: number; ordersPerDay: number }; minExpectedOrders: number };
    'amount-anomaly': { weight: number; robustZ: Ramp; prior: { orders: number; limitShare: number; spread: number }; minSpread: number };
    'new-account-large-order': { weight: number; fullDays: number; maxDays: number; orderShareOfLimit: Ramp; cumulativeShareOfLimit: Ramp };
    'recent-nsf': { weight: number; days: number };
    'dormancy-large-order': { weight: number; dormantDays: number; wakeDays: number; amountRatio: Ramp };
    'account-status': { weight: number; blocked: number; closed: number };
    'over-credit-limit': { weight: number; exposureRatio: Ramp };
  };
}

/** A rule set as published: the document, its identity and the business time from which it applies. */
export interface PublishedRuleSet {
  version: string;
  /** Business time (ms) from which orders are checked with it. */
  effectiveAt: number;
  /** SHA-256 (hex) of the canonical document. */
  sha256: string;
  rules: FraudRuleSet;
}
