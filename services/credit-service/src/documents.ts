import type { CustomerState } from '@creditstream/features';
import type { AccountStatus, FraudOutcome, RuleFired } from '@creditstream/schemas';
import type { OutlookFacts } from './rules/facts';

/** Collections of the credit service (its own: no other service reads or writes them). */
export const COLLECTIONS = {
  /** Checkpoints of the partition tasks, with each customer's hold list and limits as its read-model view. */
  state: 'credit_state',
  /** Checkpoints of the group tasks, with each credit group's limit and members as its read-model view. */
  groups: 'credit_group_state',
} as const;

/** The store key of a partition's own value (the rule set in force); no customer can be "*" (the fold refuses it). */
export const PARTITION_KEY = '*';

/** The fraud check of an order, as the credit decision uses it. */
export interface FraudFacts {
  eventId: string;
  orderId: string;
  outcome: FraudOutcome;
  score: number;
  /** Reason codes, strongest first. */
  reasons: string[];
  /** Business time of the check (ms). */
  time: number;
}

/** What the credit rules said when the order was placed: the decision is made from it, whenever the fraud check comes. */
export interface DecisionBasis {
  fired: RuleFired[];
  excludedBy: string | null;
  rejected: boolean;
  ruleSetVersion: string;
  modelVersion: string | null;
  balanceMinor: number;
  creditLimitMinor: number | null;
  exposureMinor: number | null;
}

export type CreditOrderStatus = 'PENDING' | 'APPROVED' | 'HELD' | 'RELEASED' | 'REJECTED';

/** One order the credit service decided or is deciding. */
export interface CreditOrder {
  orderId: string;
  /** eventId of the OrderPlaced: the decision's id and causation derive from it. */
  orderEventId: string;
  eventTime: string;
  /** Business time of the order (ms). */
  time: number;
  orderDate: string;
  /** Kafka timestamp of the OrderPlaced (ms): the decision-latency metric starts there. */
  appendedAt: number;
  amountMinor: number;
  currency: string;
  status: CreditOrderStatus;
  /** Set until the decision is made. */
  basis: DecisionBasis | null;
  fraud: FraudFacts | null;
  /** The wait for the fraud check ended without one. */
  fraudMissing: boolean;
  /** A person's forced hold: never released automatically. */
  forced: { reason: string; actor: string; commandId: string } | null;
  holdId: string | null;
  /** Holds the order has had (a released order can be held again by a person). */
  holds: number;
  /** While held: the reasons that hold it now (rules with their inputs). */
  fired: RuleFired[];
  /** While held: business time the hold began. */
  heldAt: string | null;
}

/** A limit adjustment waiting for its second person. */
export interface PendingAdjustment {
  adjustmentId: string;
  commandId: string;
  requestedBy: string;
  temporary: boolean;
  previousLimitMinor: number | null;
  newLimitMinor: number;
  currency: string;
  expiresOn: string | null;
  reason: string;
  limitType: 'BALANCE' | 'BALANCE_AND_OPEN_ORDERS';
}

/** A credit group's limit as the group task sends it (amount null: unlimited). */
export interface GroupLimitTerms {
  limitType: 'BALANCE' | 'BALANCE_AND_OPEN_ORDERS';
  amountMinor: number | null;
  expiresOn: string | null;
}

/** The latest position of its credit group a member's task applied (see the group tasks, groups/processor.ts). */
export interface GroupPositionFacts {
  sequence: number;
  /** Currency of the group limit and of the sums; null while the group has no limit. */
  currency: string | null;
  permanentLimit: GroupLimitTerms | null;
  temporaryLimit: GroupLimitTerms | null;
  members: number;
  othersBalanceMinor: number;
  othersOpenOrdersMinor: number;
  /** Business time of the position (that of the event that changed the group). */
  asOf: string;
  originEventId: string;
}

/** The customer's credit group membership (SetCreditGroup) and the group's position as last received. */
export interface CreditGroupMembership {
  creditGroupId: string;
  /** Business time the customer joined. */
  since: string;
  /** Null until the group task's first position arrives (the propagation window). */
  position: GroupPositionFacts | null;
}

/** What the credit service keeps per customer in its task's store. */
export interface CustomerCredit {
  kind: 'customer';
  /** The customer's fold (`@creditstream/features`): balance, overdue, limits, terms, account, orders. Null until an event of the customers, invoices, payments or orders topic arrives. */
  state: CustomerState | null;
  /** An account status this service set (a command or an account rule) until the customers topic brings it back. */
  statusOverride: { status: AccountStatus; eventId: string } | null;
  outlook: OutlookFacts | null;
  /** Orders being decided, held, or decided and still open; sorted by orderId. */
  orders: CreditOrder[];
  /** Fraud checks of orders not seen yet (the fraud topic ran ahead), oldest first, bounded. */
  earlyChecks: FraudFacts[];
  adjustments: PendingAdjustment[];
  /** Ids of the latest commands carried out (a redelivered command is carried out once). */
  commandIds: string[];
  /** The customer's credit group (absent in checkpoints written before credit groups: none). */
  creditGroup?: CreditGroupMembership | null;
  /** The last own exposure sent to the group task, to send only changes (absent: none sent). */
  groupSent?: { creditGroupId: string; currency: string; balanceMinor: number; openOrdersMinor: number } | null;
  /** Sequence of the last CreditGroupMemberExposure sent by this customer (absent: 0). */
  groupSequence?: number;
}

/** The partition's own value: the rule set in force. */
export interface PartitionCredit {
  kind: 'partition';
  /** The rule set document as JSON (null: the service's initial rule set). */
  ruleSet: string | null;
}

export type CreditValue = CustomerCredit | PartitionCredit;

/** One order on the hold list, as people and the API see it. */
export interface HoldView {
  orderId: string;
  holdId: string;
  amountMinor: number;
  currency: string;
  heldAt: string;
  /** Rule types that hold it now, e.g. credit-limit-exceeded, fraud-review, manual-hold. */
  reasons: string[];
  rules: RuleFired[];
  forced: boolean;
  fraudCheckId: string | null;
  /** The customer's credit group when it was last evaluated (set by this version; absent in older checkpoints). */
  creditGroupId?: string | null;
}

/** The read-model view of one customer: limits, exposure and the hold list (queried by people and the API). */
export interface CreditView {
  customerId: string;
  partition: number;
  registered: boolean;
  currency: string | null;
  groupId: string | null;
  accountStatus: AccountStatus;
  asOf: string | null;
  limit: { limitType: string; amountMinor: number | null; unlimited: boolean; temporary: boolean; expiresOn: string | null; expired: boolean } | null;
  balanceMinor: number;
  openOrdersMinor: number;
  overdueMinor: number;
  maxDaysOverdue: number;
  holds: HoldView[];
  pendingOrders: number;
  pendingAdjustments: PendingAdjustment[];
  /**
   * The customer's credit group: the limit in force, the other members' exposure as last received, and the group's
   * exposure with this customer's own (set by this version; absent in older checkpoints).
   */
  creditGroup?: CreditGroupView | null;
}

/** A member's view of its credit group (as of the latest position its task applied). */
export interface CreditGroupView {
  creditGroupId: string;
  since: string;
  /** False until the group task's first position arrived. */
  positionKnown: boolean;
  currency: string | null;
  limit: { limitType: string; amountMinor: number | null; unlimited: boolean; temporary: boolean; expiresOn: string | null } | null;
  members: number;
  othersBalanceMinor: number;
  othersOpenOrdersMinor: number;
  /** Σ balances of the members (+ open orders for BALANCE_AND_OPEN_ORDERS), this customer's own as of now. */
  exposureMinor: number;
  positionAsOf: string | null;
}
