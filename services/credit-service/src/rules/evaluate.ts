import type { RuleFired, RuleScope as ScopeLevel } from '@creditstream/schemas';
import type { CreditFacts, GroupFacts } from './facts';
import type { RuleDefinition, RuleSet, RuleType } from './rule-set';

/** Rule types of holds that do not come from the rule set (they name no configured rule). */
export const SYSTEM_RULES = {
  unknownCustomer: 'unknown-customer',
  accountClosed: 'account-closed',
  currencyMismatch: 'currency-mismatch',
  fraudReview: 'fraud-review',
  fraudCheckMissing: 'fraud-check-missing',
  manualHold: 'manual-hold',
} as const;

/** The outcome of the credit rules for one order (the fraud check is added by the caller). */
export interface Evaluation {
  /** Blocking rules (and system reasons) that fired, with their inputs; empty = no credit reason to hold. */
  fired: RuleFired[];
  /** The exclusion rule that approved the order without further checks, or null. */
  excludedBy: string | null;
  /** The account is closed: the order is rejected. */
  rejected: boolean;
}

const money = (minor: number) => String(minor);

function scopeLevel(rule: RuleDefinition): ScopeLevel {
  if (rule.scope?.customerId !== undefined) return 'CUSTOMER';
  if (rule.scope?.groupId !== undefined) return 'GROUP';
  return 'ALL';
}

function applies(rule: RuleDefinition, facts: CreditFacts): boolean {
  if (rule.scope?.customerId !== undefined) return rule.scope.customerId === facts.customerId;
  if (rule.scope?.groupId !== undefined) return rule.scope.groupId === facts.groupId;
  return true;
}

const PRECEDENCE: Record<ScopeLevel, number> = { CUSTOMER: 3, GROUP: 2, ALL: 1 };

/**
 * The rules in force for a customer: for each rule type, those of the most specific scope that matches it
 * (customer, then group, then all) — a customer-level rule replaces the group's and the general one of its type.
 */
export function rulesInForce(ruleSet: RuleSet, facts: CreditFacts): RuleSet['rules'] {
  // The answer depends only on the customer and its group: computed once per rule set and pair.
  let cache = IN_FORCE.get(ruleSet);
  if (cache === undefined) IN_FORCE.set(ruleSet, (cache = new Map()));
  const key = `${facts.customerId}\u0000${facts.groupId ?? ''}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const rules = selectInForce(ruleSet, facts);
  cache.set(key, rules);
  return rules;
}

const IN_FORCE = new WeakMap<RuleSet, Map<string, RuleSet['rules']>>();

function selectInForce(ruleSet: RuleSet, facts: CreditFacts): RuleSet['rules'] {
  const best = new Map<RuleType, number>();
  for (const r of ruleSet.rules) if (applies(r, facts)) best.set(r.type, Math.max(best.get(r.type) ?? 0, PRECEDENCE[scopeLevel(r)]));
  return ruleSet.rules.filter((r) => applies(r, facts) && best.get(r.type) === PRECEDENCE[scopeLevel(r)]);
}

function fired(rule: RuleDefinition, message: string, inputs: Record<string, string>): RuleFired {
  return { ruleId: rule.id, ruleType: rule.type, scope: scopeLevel(rule), message, inputs };
}

/** A reason that is not a configured rule (unknown customer, fraud review...). */
export function systemReason(ruleType: string, message: string, inputs: Record<string, string> = {}): RuleFired {
  return { ruleId: ruleType, ruleType, scope: 'ALL', message, inputs };
}

function limitInputs(f: CreditFacts): Record<string, string> {
  const l = f.limit;
  return {
    limitMinor: l?.amountMinor === null || l === null ? 'unlimited' : money(l.amountMinor),
    limitType: l?.limitType ?? 'none',
    temporary: String(l?.temporary ?? false),
    exposureMinor: money(f.exposureMinor),
    balanceMinor: money(f.balanceMinor),
    openOrdersMinor: money(f.openOrdersMinor),
    orderAmountMinor: money(f.orderAmountMinor),
  };
}

function groupInputs(f: CreditFacts, g: GroupFacts): Record<string, string> {
  return {
    creditGroupId: g.creditGroupId,
    groupLimitMinor: g.limit?.amountMinor == null ? 'unlimited' : money(g.limit.amountMinor),
    groupLimitType: g.limit?.limitType ?? 'none',
    groupTemporary: String(g.limit?.temporary ?? false),
    groupCurrency: String(g.currency),
    groupExposureMinor: money(g.exposureMinor),
    groupMembers: String(g.members),
    othersBalanceMinor: money(g.othersBalanceMinor),
    othersOpenOrdersMinor: money(g.othersOpenOrdersMinor),
    balanceMinor: money(f.balanceMinor),
    openOrdersMinor: money(f.openOrdersMinor),
    orderAmountMinor: money(f.orderAmountMinor),
    positionAsOf: String(g.positionAsOf),
  };
}

/** Whether one rule fires on the facts, and why (null: it does not). Pure. */
export function check(rule: RuleDefinition, f: CreditFacts): RuleFired | null {
  const limit = f.limit?.amountMinor ?? null;
  switch (rule.type) {
    case 'days-overdue': {
      const threshold = (rule.days ?? 0) + (rule.graceDays ?? 0);
      if (f.maxDaysOverdue <= threshold) return null;
      return fired(rule, `oldest overdue invoice is ${f.maxDaysOverdue} days overdue, more than ${rule.days} days${rule.graceDays ? ` + ${rule.graceDays} grace days` : ''}`, { daysOverdue: String(f.maxDaysOverdue), days: String(rule.days), graceDays: String(rule.graceDays ?? 0), overdueMinor: money(f.overdueMinor), asOf: f.asOf });
    }
    case 'account-status':
      if (!(rule.statuses ?? []).includes(f.accountStatus as 'BLOCKED' | 'CLOSED')) return null;
      return fired(rule, `account is ${f.accountStatus}`, { accountStatus: f.accountStatus });
    case 'terms-of-payment': {
      const byDays = rule.maxNetDays !== undefined && f.netDays !== null && f.netDays > rule.maxNetDays;
      const byCode = f.termsCode !== null && (rule.termsCodes ?? []).includes(f.termsCode);
      if (!byDays && !byCode) return null;
      return fired(rule, byDays ? `payment terms ${f.termsCode} (${f.netDays} days) exceed ${rule.maxNetDays} days` : `payment terms ${f.termsCode} are blocked`, { termsCode: String(f.termsCode), netDays: String(f.netDays), ...(rule.maxNetDays === undefined ? {} : { maxNetDays: String(rule.maxNetDays) }) });
    }
    case 'credit-limit-exceeded':
      if (f.limit === null || limit === null || f.exposureMinor <= limit) return null;
      return fired(rule, limit === 0 ? `no credit (limit 0): exposure ${f.exposureMinor}` : `exposure ${f.exposureMinor} exceeds the credit limit ${limit}${f.limit.temporary ? ' (temporary)' : ''}`, limitInputs(f));
    case 'group-limit-exceeded': {
      const g = f.creditGroup;
      if (g === null || g.limit === null || g.limit.amountMinor === null) return null;
      const groupLimit = g.limit.amountMinor;
      if (g.currency !== null && f.currency !== null && g.currency !== f.currency) return fired(rule, `credit group ${g.creditGroupId} has its limit in ${g.currency}, the customer's currency is ${f.currency}: the group limit cannot be checked`, groupInputs(f, g));
      if (g.exposureMinor <= groupLimit) return null;
      return fired(rule, groupLimit === 0 ? `credit group ${g.creditGroupId} has no credit (group limit 0): group exposure ${g.exposureMinor}` : `credit group ${g.creditGroupId}: group exposure ${g.exposureMinor} exceeds the group credit limit ${groupLimit}${g.limit.temporary ? ' (temporary)' : ''} (${g.members} members)`, groupInputs(f, g));
    }
    case 'credit-limit-expired':
      if (f.limit === null || !f.limit.expired) return null;
      return fired(rule, `credit limit expired on ${f.limit.expiresOn}`, { expiresOn: String(f.limit.expiresOn), asOf: f.asOf });
    case 'overdue-amount': {
      const overAmount = rule.amountMinor !== undefined && f.overdueMinor > rule.amountMinor;
      const share = limit !== null && rule.percentOfLimit !== undefined ? (limit === 0 ? (f.overdueMinor > 0 ? Infinity : 0) : (100 * f.overdueMinor) / limit) : null;
      const overShare = share !== null && rule.percentOfLimit !== undefined && share > rule.percentOfLimit;
      if (!overAmount && !overShare) return null;
      return fired(rule, overAmount ? `overdue amount ${f.overdueMinor} exceeds ${rule.amountMinor}` : `overdue amount ${f.overdueMinor} is ${share === Infinity ? 'over' : (share as number).toFixed(1)}% of the credit limit ${limit}, more than ${rule.percentOfLimit}%`, { overdueMinor: money(f.overdueMinor), ...(rule.amountMinor === undefined ? {} : { thresholdMinor: money(rule.amountMinor) }), ...(rule.percentOfLimit === undefined ? {} : { percentOfLimit: String(rule.percentOfLimit), limitMinor: String(limit) }) });
    }
    case 'order-amount':
      if (f.orderAmountMinor <= (rule.amountMinor ?? Infinity)) return null;
      return fired(rule, `order amount ${f.orderAmountMinor} exceeds ${rule.amountMinor}`, { orderAmountMinor: money(f.orderAmountMinor), thresholdMinor: money(rule.amountMinor ?? 0) });
    case 'credit-limit-used': {
      if (f.limit === null || limit === null) return null;
      const used = limit === 0 ? (f.exposureMinor > 0 ? Infinity : 0) : (100 * f.exposureMinor) / limit;
      if (used <= (rule.percent ?? Infinity)) return null;
      return fired(rule, `credit limit used ${used === Infinity ? 'beyond' : used.toFixed(1)}%, more than ${rule.percent}%`, { ...limitInputs(f), usedPercent: used === Infinity ? 'Infinity' : used.toFixed(2), percent: String(rule.percent) });
    }
    case 'expected-late-balance': {
      const o = f.outlook;
      if (o === null) return null;
      const late = o.expectedLateMinor + o.expectedVeryLateMinor;
      const share = o.openBalanceMinor > 0 ? late / o.openBalanceMinor : 0;
      const overAmount = rule.amountMinor !== undefined && late > rule.amountMinor;
      const overShare = rule.share !== undefined && share > rule.share;
      if (!overAmount && !overShare) return null;
      return fired(rule, overAmount ? `predicted late balance ${late} exceeds ${rule.amountMinor}` : `predicted late balance ${late} is ${(100 * share).toFixed(1)}% of the open balance ${o.openBalanceMinor}, more than ${(100 * (rule.share ?? 0)).toFixed(1)}%`, { expectedLateMinor: money(late), openBalanceMinor: money(o.openBalanceMinor), share: share.toFixed(4), modelVersion: o.modelVersion, asOf: o.businessDate, ...(rule.amountMinor === undefined ? {} : { thresholdMinor: money(rule.amountMinor) }), ...(rule.share === undefined ? {} : { thresholdShare: String(rule.share) }) });
    }
    case 'on-time-probability': {
      const o = f.outlook;
      if (o === null || o.openBalanceMinor <= 0) return null;
      const p = o.expectedOnTimeMinor / o.openBalanceMinor;
      if (p >= (rule.below ?? 0)) return null;
      return fired(rule, `P(on time) of the open invoices is ${p.toFixed(3)}, below ${rule.below}`, { pOnTime: p.toFixed(4), below: String(rule.below), openBalanceMinor: money(o.openBalanceMinor), modelVersion: o.modelVersion, asOf: o.businessDate });
    }
    case 'order-amount-at-most':
      if (f.orderAmountMinor > (rule.amountMinor ?? -1)) return null;
      return fired(rule, `order amount ${f.orderAmountMinor} is at most ${rule.amountMinor}`, { orderAmountMinor: money(f.orderAmountMinor), thresholdMinor: money(rule.amountMinor ?? 0) });
    case 'always':
      return fired(rule, 'always', {});
  }
}

/**
 * The credit rules for one order: an unknown customer or an order in another currency is held, a closed account's
 * order rejected; then the exclusion rules in force (one that fires approves the order without further checks),
 * then every blocking rule in force. Pure: a function of the rule set and the facts.
 */
export function evaluate(ruleSet: RuleSet, facts: CreditFacts): Evaluation {
  if (!facts.registered) return { fired: [systemReason(SYSTEM_RULES.unknownCustomer, `customer ${facts.customerId} is not registered`, { customerId: facts.customerId })], excludedBy: null, rejected: false };
  if (facts.accountStatus === 'CLOSED') return { fired: [systemReason(SYSTEM_RULES.accountClosed, 'account is CLOSED: its orders are rejected', { accountStatus: 'CLOSED' })], excludedBy: null, rejected: true };
  if (facts.currency !== null && facts.orderCurrency !== facts.currency) {
    return { fired: [systemReason(SYSTEM_RULES.currencyMismatch, `order in ${facts.orderCurrency}, customer's currency is ${facts.currency}: the limit cannot be checked`, { orderCurrency: facts.orderCurrency, currency: facts.currency })], excludedBy: null, rejected: false };
  }
  if (!ruleSet.checkpoints.orderPlaced) return { fired: [], excludedBy: null, rejected: false };
  const rules = rulesInForce(ruleSet, facts);
  for (const r of rules) if (r.mode === 'exclusion' && check(r, facts) !== null) return { fired: [], excludedBy: r.id, rejected: false };
  const out: RuleFired[] = [];
  // The group limit is checked before the customer's (D365): its reasons come first.
  for (const group of [true, false]) {
    for (const r of rules) {
      if (r.mode !== 'blocking' || (r.type === 'group-limit-exceeded') !== group) continue;
      const f = check(r, facts);
      if (f !== null) out.push(f);
    }
  }
  return { fired: out, excludedBy: null, rejected: false };
}
