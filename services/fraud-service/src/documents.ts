import type { CustomerHistory } from './check/history';
import type { PublishedRuleSet } from './rules/rule-set';

/** Collections of the fraud service (its own: no other service reads or writes them). */
export const COLLECTIONS = {
  /** Checkpoints of the partition tasks, with each customer's check summary and the task's rule sets as read-model views. */
  state: 'fraud_state',
} as const;

/** Key of a task's rule sets in its store (customer ids are never "*"). */
export const RULE_BOOK_KEY = '*';

/** The rule sets a task has read from the rules topic, by effective time. */
export interface RuleBook {
  kind: 'rules';
  published: PublishedRuleSet[];
}

/** What a fraud-service task keeps by key: a customer's history, or (under {@link RULE_BOOK_KEY}) its rule sets. */
export type FraudValue = CustomerHistory | RuleBook;

/** The read-model view of a customer: its account and the summary of its checks. */
export interface CustomerFraudView {
  kind: 'customer';
  customerId: string;
  partition: number;
  status: string;
  orders: number;
  lastOrderAt: string | null;
  checks: number;
  reviews: number;
  lastCheck: { orderId: string; outcome: 'CLEAR' | 'REVIEW'; score: number; at: string; ruleSetVersion: string } | null;
}

/** The read-model view of a task's rule sets. */
export interface RuleBookView {
  kind: 'rules';
  customerId: '*';
  partition: number;
  ruleSets: { version: string; effectiveAt: string; sha256: string }[];
}
