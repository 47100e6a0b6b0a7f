/**
 * Why the fold refused an event. A rejected event changes nothing in the state (not even the applied offsets); the
 * feature service dead-letters it with the code as `reasonCode`. Every rejection depends only on the event and on
 * earlier events of the same topic, never on how topics interleave, so replays reject exactly the same events.
 */
export const REJECTION_CODES = [
  /** Envelope or payload is malformed: missing id, wrong customer id, unknown enum symbol, bad count. */
  'INVALID_EVENT',
  /** An amount is not a safe integer, is zero or negative where it must be positive, or does not add up. */
  'INVALID_AMOUNT',
  /** A currency is not an ISO 4217 code. */
  'INVALID_CURRENCY',
  /** A date or timestamp is malformed or impossible (e.g. due date before invoice date). */
  'INVALID_DATE',
  /** The currency differs from the invoice's, the payment's, the order's or the registered customer's. */
  'CURRENCY_MISMATCH',
  /** An id seen before arrives again with different content. */
  'DUPLICATE_CONFLICT',
  /** A customer master-data change before the customer's registration. */
  'UNKNOWN_CUSTOMER',
  /** A credit note, dispute, resolution or write-off for an invoice never issued. */
  'UNKNOWN_INVOICE',
  /** A return of a payment never received. */
  'UNKNOWN_PAYMENT',
  /** A cancellation or shipment of an order never placed (or long closed and forgotten). */
  'UNKNOWN_ORDER',
  /** A resolution of a dispute never raised. */
  'UNKNOWN_DISPUTE',
  /** A change the entity's state does not allow: shipping a cancelled order, cancelling a shipped one. */
  'INVALID_TRANSITION',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  code: RejectionCode;
  /** Names the offending value. */
  message: string;
}

/**
 * Something odd that the fold accepted and handled as documented (see README), reported so the service can count
 * and log it. Unlike rejections these can depend on topic interleaving (who arrives second notices), but the state
 * they lead to does not.
 */
export const ANOMALY_CODES = [
  /** A payment application in another currency than its invoice, or an invoice/order not in the customer's currency. */
  'CURRENCY_MISMATCH',
  /** A payment application to an invoice not folded in yet: kept pending until it arrives. */
  'PENDING_APPLICATION',
  /** Applications and credit notes exceed the invoice amount; the excess is kept as over-applied. */
  'OVER_APPLIED',
] as const;

export type AnomalyCode = (typeof ANOMALY_CODES)[number];

export interface Anomaly {
  code: AnomalyCode;
  message: string;
}

/** Builds a rejection (used by the fold's checks). */
export function reject(code: RejectionCode, message: string): Rejection {
  return { code, message };
}
