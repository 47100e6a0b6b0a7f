import type { CollectionActionEnvelope } from '@creditstream/schemas';
import type { AgingSeen } from './domain/state';
import type { Statement } from './domain/statement';

/** Collections of the collections service. */
export const COLLECTIONS = {
  /** Checkpoints of the partition tasks, with each customer's read-model view (aging, worklist fields). */
  state: 'collections_state',
  /** Every action produced, by event id (side log, in chunks: read with CollectionsReader). */
  actions: 'collections_actions',
  /** Aging snapshots: one per customer and business date on which its aging changed (a day without one has the one before). */
  agingHistory: 'collections_aging_history',
  /** Month-end statements (the statement model; rendered as HTML or PDF on demand), one per customer and month. */
  statements: 'collections_statements',
} as const;

/** The read-model document of one customer: its aging and what the worklist ranks by. */
export interface CustomerCollectionsView {
  customerId: string;
  partition: number;
  segment: string | null;
  currency: string;
  accountStatus: string;
  aging: AgingSeen | null;
  overdueMinor: number;
  openMinor: number;
  expectedLateMinor: number;
  expectedVeryLateMinor: number;
  outlookModelVersion: string | null;
  nextAction: { on: string; action: string } | null;
  letters: number;
  highestLevel: number;
  openPromises: number;
  openDisputes: number;
  feesMinor: number;
  interestMinor: number;
  policyVersion: string;
}

/** One action in the side log (`_id` = eventId). */
export interface LoggedAction {
  _id: string;
  customerId: string;
  type: CollectionActionEnvelope['type'] | 'InvoiceWrittenOff' | 'InvoiceDisputed' | 'DisputeResolved' | 'AccountStatusChanged';
  businessDate: string;
  event: unknown;
}

/** One aging snapshot in the side log. */
export interface AgingSnapshot extends AgingSeen {
  _id: string;
  customerId: string;
}

/** A month-end statement in the side log. */
export interface StoredStatement {
  _id: string;
  customerId: string;
  asOf: string;
  statement: Statement;
}
