import type { CustomerState } from '@creditstream/features';
import type { CollectionPolicy } from '../policy';
import type { PeriodActions } from './statement';

// The collections-specific state kept beside the shared per-customer fold (libs/features): compact, plain JSON, ids
// in sorted arrays (never object keys). Everything here is a function of the events in business time.

/** A prediction of one invoice, as last seen. */
export interface SeenPrediction {
  pOnTime: number;
  pLate: number;
  modelVersion: string;
  businessDate: string;
}

/** Dunning of one invoice: its letter level, interest charged, prediction episodes, write-off proposal. */
export interface InvoiceDunning {
  invoiceId: string;
  /** Letters issued for it so far (0..5). A partial payment changes neither this nor lastLetterOn. */
  level: number;
  lastLetterOn: string | null;
  /** Business date its collection started (overdue or predicted late); null while not started. */
  startedOn: string | null;
  /** Last day interest was charged through. */
  interestThrough: string | null;
  /** Interest charged on it and still standing (not waived or reversed), for interest on interest. */
  interestMinor: number;
  /** Prediction-driven episodes started so far, and whether one is running (hysteresis). */
  episodes: number;
  inEpisode: boolean;
  prediction: SeenPrediction | null;
  /** Id of its write-off proposal, once proposed. */
  proposalId: string | null;
}

export type PromiseStatus = 'OPEN' | 'KEPT' | 'BROKEN';

export interface PromiseRecord {
  promiseId: string;
  invoiceIds: string[];
  amountMinor: number;
  currency: string;
  createdOn: string;
  promisedDate: string;
  graceUntil: string;
  /** What had been paid or credited on the invoices when it was made (what is paid since counts towards it). */
  reducedBefore: number;
  status: PromiseStatus;
}

export type NoteStatus = 'ISSUED' | 'WAIVED' | 'REVERSED';

export interface NoteRecord {
  noteId: string;
  businessDate: string;
  currency: string;
  totalMinor: number;
  lines: { invoiceId: string; interestMinor: number }[];
  status: NoteStatus;
}

export interface ProposalRecord {
  proposalId: string;
  invoiceId: string;
  amountMinor: number;
  currency: string;
  fourEyes: boolean;
  approvals: string[];
  status: 'PROPOSED' | 'APPROVED';
  /** Business date of the approval (the write-off's date); null while proposed. */
  approvedOn?: string | null;
}

export interface OutlookSeen {
  businessDate: string;
  modelVersion: string;
  currency: string;
  openBalanceMinor: number;
  expectedLateMinor: number;
  expectedVeryLateMinor: number;
}

export interface AgingSeen {
  asOf: string;
  currency: string;
  /** Per bucket (current, then the policy's periods, then beyond), in the customer's currency. */
  amounts: number[];
  counts: number[];
}

export interface CollectionsState {
  customerId: string;
  /** Sorted by invoiceId; only invoices that dunning, interest or predictions touched. */
  dunning: InvoiceDunning[];
  promises: PromiseRecord[];
  notes: NoteRecord[];
  proposals: ProposalRecord[];
  /** Recent command ids (a repeated one is ignored), oldest first, at most {@link COMMAND_MEMORY}. */
  commandIds: string[];
  outlook: OutlookSeen | null;
  aging: AgingSeen | null;
  /** What is due next and when (for the worklist). */
  nextAction: { on: string; action: string } | null;
  /** Fees charged (letters, NSF) and interest standing, in the customer's currency. */
  feesMinor: number;
  interestMinor: number;
  letters: number;
  /** Letters, interest notes and fees since the last month-end statement (what the next one lists). */
  period: PeriodActions;
  /** Business date the collections service last asked to block the account (a level with blocksAccount). */
  blockRequestedOn?: string | null;
}

/** What one partition task keeps per customer. */
export interface CustomerValue {
  kind: 'customer';
  fold: CustomerState;
  c: CollectionsState;
}

/** The policy in force in one partition task (kept under {@link POLICY_KEY}). */
export interface PolicyValue {
  kind: 'policy';
  policy: CollectionPolicy;
}

export type StoreValue = CustomerValue | PolicyValue;

/** The store key of the partition's policy ('*' is never a customer id: the fold refuses it). */
export const POLICY_KEY = '*policy';

/** How many recent command ids a customer remembers for idempotency. */
export const COMMAND_MEMORY = 200;
/** Interest notes kept per customer (the oldest settled ones are forgotten beyond). */
export const NOTE_MEMORY = 36;

export function newCollectionsState(customerId: string): CollectionsState {
  return { customerId, dunning: [], promises: [], notes: [], proposals: [], commandIds: [], outlook: null, aging: null, nextAction: null, feesMinor: 0, interestMinor: 0, letters: 0, period: { letters: [], interest: [], fees: [] } };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function search(list: InvoiceDunning[], invoiceId: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare((list[mid] as InvoiceDunning).invoiceId, invoiceId) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The dunning record of an invoice, or undefined. */
export function findDunning(c: CollectionsState, invoiceId: string): InvoiceDunning | undefined {
  const i = search(c.dunning, invoiceId);
  const d = c.dunning[i];
  return d !== undefined && d.invoiceId === invoiceId ? d : undefined;
}

/** The dunning record of an invoice, created when missing. */
export function dunningOf(c: CollectionsState, invoiceId: string): InvoiceDunning {
  const i = search(c.dunning, invoiceId);
  const d = c.dunning[i];
  if (d !== undefined && d.invoiceId === invoiceId) return d;
  const created: InvoiceDunning = { invoiceId, level: 0, lastLetterOn: null, startedOn: null, interestThrough: null, interestMinor: 0, episodes: 0, inEpisode: false, prediction: null, proposalId: null };
  c.dunning.splice(i, 0, created);
  return created;
}
