import type { FraudRuleSet, Ramp, SignalCode } from '../rules/rule-set';
import { hoursLabel, money, num, percent } from './format';
import { DAY_MS, limitAt, type CustomerHistory, type LimitFact } from './history';

/** The order being checked. */
export interface OrderFacts {
  orderId: string;
  amountMinor: number;
  currency: string;
  /** Business time (ms). */
  time: number;
}

/** One signal's finding: its strength in [0, 1] (0: nothing found) and what it compared. */
export interface SignalFinding {
  code: SignalCode;
  strength: number;
  /** The observed value (a count, a ratio, an amount in minor units, days…); null when not numeric. */
  value: number | null;
  /** The value it was compared with; null when not numeric. */
  threshold: number | null;
  message: string;
}

const NOTHING = (code: SignalCode): SignalFinding => ({ code, strength: 0, value: null, threshold: null, message: '' });

/** Strength of `x` on a ramp: 0 at or below the threshold, 1 at or above the saturation. */
export function rampStrength(x: number, r: Ramp): number {
  if (Number.isNaN(x) || x <= r.threshold) return 0;
  if (x >= r.saturation) return 1;
  return (x - r.threshold) / (r.saturation - r.threshold);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A usable credit limit (set, not unlimited, above 0), in minor units, or null. */
function limitAmount(limit: LimitFact | null): number | null {
  return limit === null || limit.unlimited || limit.amountMinor <= 0 ? null : limit.amountMinor;
}

/**
 * The customer's amount distribution, in log units: centre and spread of its recent orders (median, 1.4826 × MAD),
 * each shrunk towards the prior (centred on a share of the credit limit) with the prior's weight in orders. Null
 * when there is neither history nor a limit to centre a prior on.
 */
export interface AmountModel {
  center: number;
  spread: number;
  /** Orders in the sample. */
  orders: number;
  /** Whether the limit-based prior took part. */
  prior: boolean;
}

export function amountModel(h: CustomerHistory, rules: FraudRuleSet, time: number): AmountModel | null {
  const r = rules.signals['amount-anomaly'];
  const logs = h.recent.a.map((a) => Math.log(a));
  const n = logs.length;
  const limit = limitAmount(limitAt(h, time));
  const k = limit === null ? 0 : r.prior.orders;
  if (n === 0 && k === 0) return null;
  const priorCenter = limit === null ? 0 : Math.log(limit * r.prior.limitShare);
  let med = 0;
  let mad = 0;
  if (n > 0) {
    med = median(logs);
    mad = 1.4826 * median(logs.map((x) => Math.abs(x - med)));
  }
  // With one or two orders the MAD says nothing about the spread: the prior's (or the floor) stands in for it.
  const sampleSpread = n >= 3 ? mad : r.prior.spread;
  const center = (n * med + k * priorCenter) / (n + k);
  const spread = Math.max(r.minSpread, Math.sqrt((n * sampleSpread ** 2 + k * r.prior.spread ** 2) / (n + k)));
  return { center, spread, orders: n, prior: k > 0 };
}

/** Orders the customer places per day as usual: its rate since first seen, with the prior standing in for a short history. */
function usualPerDay(h: CustomerHistory, rules: FraudRuleSet, time: number): number {
  const prior = rules.signals.velocity.prior;
  const observedDays = Math.max(0, (time - h.firstSeen) / DAY_MS);
  const days = observedDays + prior.days;
  return days > 0 ? (h.orders + prior.days * prior.ordersPerDay) / days : prior.ordersPerDay;
}

export function velocity(h: CustomerHistory, o: OrderFacts, rules: FraudRuleSet, model: AmountModel | null): SignalFinding {
  const r = rules.signals.velocity;
  const usual = usualPerDay(h, rules, o.time);
  const typical = model === null ? o.amountMinor : Math.exp(model.center);
  let best = NOTHING('velocity');
  for (const w of r.windows) {
    const from = o.time - w.hours * 3_600_000;
    let count = 1;
    let value = o.amountMinor;
    for (let i = 0; i < h.recent.t.length; i++) {
      const t = h.recent.t[i] as number;
      if (t > from && t <= o.time) {
        count += 1;
        value += h.recent.a[i] as number;
      }
    }
    const expected = Math.max(r.minExpectedOrders, usual * (w.hours / 24));
    const observed = w.measure === 'count' ? count : value;
    const usualValue = w.measure === 'count' ? expected : expected * typical;
    const strength = rampStrength(observed / usualValue, w.ratio);
    if (strength <= best.strength) continue;
    const threshold = w.ratio.threshold * usualValue;
    const message =
      w.measure === 'count'
        ? `${count} orders in ${hoursLabel(w.hours)} against a usual ${num(expected)} (threshold ${num(threshold)})`
        : `orders of ${money(value, o.currency)} in ${hoursLabel(w.hours)} against a usual ${money(Math.round(usualValue), o.currency)} (threshold ${money(Math.round(threshold), o.currency)})`;
    best = { code: 'velocity', strength, value: observed, threshold, message };
  }
  return best;
}

export function amountAnomaly(o: OrderFacts, rules: FraudRuleSet, model: AmountModel | null): SignalFinding {
  if (model === null) return NOTHING('amount-anomaly');
  const r = rules.signals['amount-anomaly'];
  const z = (Math.log(o.amountMinor) - model.center) / model.spread;
  const strength = rampStrength(z, r.robustZ);
  if (strength === 0) return NOTHING('amount-anomaly');
  const basis = model.orders === 0 ? `a prior at ${percent(r.prior.limitShare)} of the credit limit` : `${model.orders} recent orders${model.prior ? `, prior at ${percent(r.prior.limitShare)} of the limit` : ''}`;
  return { code: 'amount-anomaly', strength, value: z, threshold: r.robustZ.threshold, message: `order ${money(o.amountMinor, o.currency)} is ${num(z)} robust deviations above the customer's typical ${money(Math.round(Math.exp(model.center)), o.currency)} (${basis}; threshold ${num(r.robustZ.threshold)})` };
}

export function newAccountLargeOrder(h: CustomerHistory, o: OrderFacts, rules: FraudRuleSet): SignalFinding {
  const r = rules.signals['new-account-large-order'];
  const opened = h.openedAt ?? h.firstSeen;
  const age = Math.max(0, (o.time - opened) / DAY_MS);
  const newness = age <= r.fullDays ? 1 : age >= r.maxDays ? 0 : (r.maxDays - age) / (r.maxDays - r.fullDays);
  if (newness === 0) return NOTHING('new-account-large-order');
  const limit = limitAt(h, o.time);
  // Unlimited accounts are trusted; an account without credit (limit 0) has every order held by the credit service.
  if (limit !== null && (limit.unlimited || limit.amountMinor <= 0)) return NOTHING('new-account-large-order');
  const amount = limit === null ? null : limit.amountMinor;
  let since = o.amountMinor;
  for (let i = 0; i < h.recent.t.length; i++) if ((h.recent.t[i] as number) >= opened) since += h.recent.a[i] as number;
  const orderShare = amount === null ? Number.POSITIVE_INFINITY : o.amountMinor / amount;
  const cumulativeShare = amount === null ? Number.POSITIVE_INFINITY : since / amount;
  const byOrder = rampStrength(orderShare, r.orderShareOfLimit);
  const byCumulative = rampStrength(cumulativeShare, r.cumulativeShareOfLimit);
  const strength = newness * Math.max(byOrder, byCumulative);
  if (strength === 0) return NOTHING('new-account-large-order');
  const days = `${num(age)} days`;
  if (h.openedAt === null) {
    return { code: 'new-account-large-order', strength, value: null, threshold: null, message: `order ${money(o.amountMinor, o.currency)} from a customer never registered (no credit limit), first seen ${days} ago` };
  }
  if (amount === null) {
    return { code: 'new-account-large-order', strength, value: null, threshold: null, message: `order ${money(o.amountMinor, o.currency)} on an account ${days} old with no credit limit set` };
  }
  if (byOrder >= byCumulative) {
    return { code: 'new-account-large-order', strength, value: orderShare, threshold: r.orderShareOfLimit.threshold, message: `order ${money(o.amountMinor, o.currency)} on an account ${days} old is ${percent(orderShare)} of its credit limit ${money(amount, o.currency)} (threshold ${percent(r.orderShareOfLimit.threshold)})` };
  }
  return { code: 'new-account-large-order', strength, value: cumulativeShare, threshold: r.cumulativeShareOfLimit.threshold, message: `orders of ${money(since, o.currency)} since the account opened ${days} ago are ${percent(cumulativeShare)} of its credit limit ${money(amount, o.currency)} (threshold ${percent(r.cumulativeShareOfLimit.threshold)})` };
}

export function recentNsf(h: CustomerHistory, o: OrderFacts, rules: FraudRuleSet): SignalFinding {
  const r = rules.signals['recent-nsf'];
  let last = Number.NEGATIVE_INFINITY;
  let recent = 0;
  for (const t of h.returns) {
    if (t > o.time) continue;
    if (t > last) last = t;
    if (o.time - t <= 90 * DAY_MS) recent += 1;
  }
  const days = (o.time - last) / DAY_MS;
  if (!(days < r.days)) return NOTHING('recent-nsf');
  const strength = 1 - days / r.days;
  return { code: 'recent-nsf', strength, value: days, threshold: r.days, message: `order ${num(days)} days after a returned (NSF) payment (${recent} returned in the last 90 days; a return counts for ${num(r.days)} days)` };
}

export function dormancyLargeOrder(h: CustomerHistory, o: OrderFacts, rules: FraudRuleSet, model: AmountModel | null): SignalFinding {
  const r = rules.signals['dormancy-large-order'];
  const times = [...h.recent.t, o.time];
  const amounts = [...h.recent.a, o.amountMinor];
  const dormant = r.dormantDays * DAY_MS;
  // The latest wake-up within wakeDays: an order after at least dormantDays without one.
  for (let j = times.length - 1; j >= 0; j--) {
    const woke = times[j] as number;
    if (o.time - woke > r.wakeDays * DAY_MS) break;
    const before = j > 0 ? (times[j - 1] as number) : h.orders === h.recent.t.length ? h.firstSeen : null;
    if (before === null || woke - before < dormant) continue;
    // What the customer ordered before it went quiet (without history: the prior's typical amount).
    const usual = j > 0 ? Math.exp(median(amounts.slice(0, j).map((a) => Math.log(a)))) : model?.prior ? Math.exp(model.center) : null;
    if (usual === null) return NOTHING('dormancy-large-order');
    const ratio = o.amountMinor / usual;
    const strength = rampStrength(ratio, r.amountRatio);
    if (strength === 0) return NOTHING('dormancy-large-order');
    const gap = (woke - before) / DAY_MS;
    const since = (o.time - woke) / DAY_MS;
    return { code: 'dormancy-large-order', strength, value: ratio, threshold: r.amountRatio.threshold, message: `order ${money(o.amountMinor, o.currency)} is ${num(ratio)}× the customer's usual ${money(Math.round(usual), o.currency)} ${since === 0 ? 'as it wakes' : `${num(since)} days after it woke`} from ${num(gap, 0)} days without orders (threshold ${num(r.amountRatio.threshold)}×)` };
  }
  return NOTHING('dormancy-large-order');
}

export function accountStatus(h: CustomerHistory, rules: FraudRuleSet): SignalFinding {
  const r = rules.signals['account-status'];
  if (h.status === 'BLOCKED' && r.blocked > 0) return { code: 'account-status', strength: r.blocked, value: null, threshold: null, message: 'order from a blocked account' };
  if (h.status === 'CLOSED' && r.closed > 0) return { code: 'account-status', strength: r.closed, value: null, threshold: null, message: 'order from a closed account' };
  return NOTHING('account-status');
}

export function overCreditLimit(h: CustomerHistory, o: OrderFacts, rules: FraudRuleSet): SignalFinding {
  const r = rules.signals['over-credit-limit'];
  const limit = limitAmount(limitAt(h, o.time));
  if (limit === null) return NOTHING('over-credit-limit');
  const balance = Math.max(0, h.balanceMinor);
  const ratio = (balance + o.amountMinor) / limit;
  const strength = rampStrength(ratio, r.exposureRatio);
  if (strength === 0) return NOTHING('over-credit-limit');
  return { code: 'over-credit-limit', strength, value: ratio, threshold: r.exposureRatio.threshold, message: `open receivables ${money(balance, o.currency)} + order ${money(o.amountMinor, o.currency)} are ${num(ratio)}× the credit limit ${money(limit, o.currency)} (threshold ${num(r.exposureRatio.threshold)}×)` };
}

/** Every signal of an order against the customer's history before it, in the rule set's terms. */
export function findSignals(h: CustomerHistory, o: OrderFacts, rules: FraudRuleSet): SignalFinding[] {
  const model = amountModel(h, rules, o.time);
  return [
    velocity(h, o, rules, model),
    amountAnomaly(o, rules, model),
    newAccountLargeOrder(h, o, rules),
    recentNsf(h, o, rules),
    dormancyLargeOrder(h, o, rules, model),
    accountStatus(h, rules),
    overCreditLimit(h, o, rules),
  ];
}
