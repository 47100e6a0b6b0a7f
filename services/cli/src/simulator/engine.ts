import { type AccountStatus, type AccountStatusChanged, type CreditLimitSet, type InvoiceEnvelope, type PaymentApplication, type PaymentMethod, TOPIC } from '@creditstream/schemas';
import { BEHAVIOUR_PARAMS } from './behaviours';
import { addBusinessDays, isBusinessDay, onOrAfterBusinessDay } from '../calendar/business-days';
import { civilFromDay, dayFromCivil, formatDate, formatTimestamp, monthOf } from '../calendar/dates';
import { clockTicks } from '../clock/ticks';
import { invoiceOutlook } from './lateness';
import { drawMacroShocks, type MacroShock, shockOn } from './macro';
import { type InvoiceAction, planInvoice } from './invoice-plan';
import { createProfile, type CustomerProfile, FRAUD_ORDER_RATE_FACTOR, FRAUD_ORDER_SIZE_FACTOR } from './population';
import { Prng } from './prng';
import type { EventRecord, FraudPattern, InputEvent, OutputRecord } from './records';

/** Validated simulation options (see `simulate`). */
/** Orders over which a fraudulent account's order size grows (×1.35 each), then stays. */
const FRAUD_RAMP_ORDERS = 20;
/**
 * Stream numbers of the customers' fraud patterns (customer index + this): drawn apart from a customer's own stream,
 * so a customer without a pattern has the same history as without the patterns.
 */
const FRAUD_STREAM = 1 << 30;
/** Behaviours of the established customers that may bust out after a returned payment, and the share that do. */
const BUST_OUT_BEHAVIOURS: ReadonlySet<string> = new Set(['nsf-prone', 'chronically-late', 'deteriorating']);
const BUST_OUT_SHARE = 0.12;
/** Share of dormant accounts taken over by someone else before their owner orders again. */
const TAKEOVER_SHARE = 0.3;

export interface EngineOptions {
  readonly seed: number;
  readonly customers: number;
  /** Calendar days to simulate from `startDay`. */
  readonly days: number;
  readonly startDay: number;
  /** Partitions of the clock topic: one tick per partition per business day. */
  readonly partitions: number;
  /** Credit groups to form (0: none). @default 0 */
  readonly creditGroups?: number;
}

/** Members per credit group the simulator forms (the first customers, by index). */
const CREDIT_GROUP_MEMBERS = 4;

interface Counters {
  event: number;
  order: number;
  shipment: number;
  invoice: number;
  payment: number;
  dispute: number;
  creditNote: number;
  writeOff: number;
}

interface CustomerState {
  readonly p: CustomerProfile;
  readonly prng: Prng;
  status: AccountStatus;
  netDays: number;
  readonly n: Counters;
  /** Days of NSF returns (for the "recent NSF" driver and the repeated-NSF block). */
  readonly nsfDays: number[];
  invoiceOrdinal: number;
  fraudOrders: number;
  /** True until the first order after a dormant period, which is unusually large. */
  wakeUpPending: boolean;
  /** The customer's fraud patterns' own random stream. */
  readonly fraud: Prng;
  /** From this day on, the next returned payment starts a bust-out (null: the customer never busts out). */
  bustOutFrom: number | null;
}

interface InvoiceState {
  readonly id: string;
  readonly c: CustomerState;
  readonly orderId: string;
  readonly dueDay: number;
  openMinor: number;
  disputeId: string | null;
}

/** Scheduled work for a future business day. Lower `rank` runs first within a day (state depends on order). */
type Action =
  | { readonly rank: 0; readonly kind: 'status'; readonly c: CustomerState; readonly status: AccountStatus; readonly reason: string; readonly onlyFrom: AccountStatus }
  | { readonly rank: 1; readonly kind: 'credit-review'; readonly c: CustomerState }
  | { readonly rank: 2; readonly kind: 'payment-return'; readonly c: CustomerState; readonly paymentId: string; readonly amountMinor: number; readonly applications: PaymentApplication[]; readonly invoices: InvoiceState[] }
  | { readonly rank: 3; readonly kind: 'ship'; readonly c: CustomerState; readonly orderId: string; readonly amountMinor: number; readonly final: boolean; readonly fraud?: boolean }
  | { readonly rank: 4; readonly kind: 'cancel'; readonly c: CustomerState; readonly orderId: string }
  | { readonly rank: 4; readonly kind: 'fraud-order'; readonly c: CustomerState; readonly pattern: FraudPattern; readonly usd: number }
  | { readonly rank: 5; readonly kind: 'invoice'; readonly inv: InvoiceState; readonly a: InvoiceAction };

const RANKS = 6;
const HOUR = 3_600_000;
const REPEATED_NSF = 3;

/**
 * The simulated company. Pure: everything comes from the seed; no clock, no I/O. `run()` yields the records of each
 * business day in event-time order.
 */
export class Simulation {
  private readonly world: Prng;
  private readonly shocks: MacroShock[];
  private readonly customers: CustomerState[] = [];
  private readonly registrations = new Map<number, CustomerState[]>();
  private readonly schedule = new Map<number, Action[][]>();
  private readonly idPrefix: string;
  private day = 0;
  private dayRecords: { ms: number; seq: number; rec: OutputRecord }[] = [];
  private seq = 0;
  /** Credit groups whose limit was set (at their first member's registration). */
  private readonly creditGroupsSet = new Set<string>();

  constructor(private readonly o: EngineOptions) {
    this.world = new Prng(o.seed, 0);
    this.shocks = drawMacroShocks(this.world, o.startDay, o.days);
    this.idPrefix = `sim${o.seed}`;
    for (let i = 0; i < o.customers; i++) {
      const prng = new Prng(o.seed, i + 1);
      const p = createProfile(i, prng, o.startDay, o.days);
      const c: CustomerState = {
        p,
        prng,
        status: 'ACTIVE',
        netDays: p.netDays,
        n: { event: 0, order: 0, shipment: 0, invoice: 0, payment: 0, dispute: 0, creditNote: 0, writeOff: 0 },
        nsfDays: [],
        invoiceOrdinal: 0,
        fraudOrders: 0,
        wakeUpPending: p.dormantTo > p.dormantFrom,
        fraud: new Prng(o.seed, FRAUD_STREAM + i),
        bustOutFrom: null,
      };
      this.customers.push(c);
      this.planFraud(c);
      const day = onOrAfterBusinessDay(p.registerDay);
      const list = this.registrations.get(day) ?? [];
      list.push(c);
      this.registrations.set(day, list);
    }
  }

  /** Yields, for each business day, its records sorted by event time (ties keep their causal order). */
  *run(): Generator<OutputRecord[]> {
    const end = this.o.startDay + this.o.days;
    let previous: number | null = null;
    for (let day = this.o.startDay; day < end; day++) {
      if (!isBusinessDay(day)) continue;
      this.day = day;
      this.dayRecords = [];
      for (const tick of clockTicks(day, previous, this.o.partitions, this.idPrefix)) this.push(0, { kind: 'event', record: tick });
      for (const c of this.registrations.get(day) ?? []) this.register(c);
      const ranks = this.schedule.get(day);
      this.schedule.delete(day);
      const payments = new Map<CustomerState, { inv: InvoiceState; amountMinor: number }[]>();
      for (const actions of ranks ?? []) for (const a of actions ?? []) this.execute(a, payments);
      for (const [c, apps] of payments) this.receivePayment(c, apps);
      for (const c of this.customers) if (c.p.registerDay <= day) this.placeOrders(c);
      this.dayRecords.sort((a, b) => a.ms - b.ms || a.seq - b.seq);
      yield this.dayRecords.map((r) => r.rec);
      previous = day;
    }
  }

  // ---- plumbing ----

  private push(ms: number, rec: OutputRecord): void {
    this.dayRecords.push({ ms, seq: this.seq++, rec });
  }

  private at(c: CustomerState, fromHour: number, toHour: number): number {
    return Math.floor(c.prng.uniform(fromHour * HOUR, toHour * HOUR));
  }

  private emit(c: CustomerState, topic: string, ms: number, type: InputEvent['type'], payload: InputEvent['payload']): void {
    const event = {
      eventId: `${this.idPrefix}-${c.p.id}-${++c.n.event}`,
      eventTime: formatTimestamp(this.day, ms),
      customerId: c.p.id,
      causationId: null,
      type,
      payload,
    } as InputEvent;
    const record: EventRecord = { topic, key: c.p.id, event };
    this.push(ms, { kind: 'event', record });
  }

  private enqueue(day: number, action: Action): void {
    let ranks = this.schedule.get(day);
    if (!ranks) {
      ranks = Array.from({ length: RANKS }, () => []);
      this.schedule.set(day, ranks);
    }
    ranks[action.rank]?.push(action);
  }

  private id(c: CustomerState, prefix: string, n: number): string {
    return `${prefix}-${c.p.id.slice(1)}-${String(n).padStart(5, '0')}`;
  }

  private toMinor(c: CustomerState, usd: number): number {
    return Math.max(1, Math.round(usd * c.p.minorPerUsd));
  }

  // ---- customers ----

  private register(c: CustomerState): void {
    const p = c.p;
    const ms = 1000 + p.index;
    this.emit(c, TOPIC.customers, ms, 'CustomerRegistered', {
      name: p.name,
      country: p.country,
      segment: p.segment,
      currency: p.currency,
      groupId: p.groupId,
      paperless: p.paperless,
      openedOn: formatDate(p.openedOnDay),
    });
    this.emit(c, TOPIC.customers, ms, 'PaymentTermsSet', { termsCode: `NET${c.netDays}`, netDays: c.netDays });
    this.emit(c, TOPIC.customers, ms, 'CreditLimitSet', this.creditLimit(c, c.prng.uniform(0.8, 1.2), 'account opened'));
    this.enqueue(onOrAfterBusinessDay(this.day + c.prng.int(90, 200)), { rank: 1, kind: 'credit-review', c });
    this.joinCreditGroup(c, ms);
  }

  /**
   * With `creditGroups`: the first customers join a credit group of their currency (a SetCreditGroup command), and
   * the group's first member brings its shared limit (about three members' typical limits). Draws nothing from the
   * random streams, so every other record is the same as without groups.
   */
  private joinCreditGroup(c: CustomerState, ms: number): void {
    const groups = this.o.creditGroups ?? 0;
    const p = c.p;
    if (groups === 0 || p.index >= groups * CREDIT_GROUP_MEMBERS) return;
    const creditGroupId = `${this.idPrefix}-family-${p.index % groups}-${p.currency.toLowerCase()}`;
    const time = formatTimestamp(this.day, ms);
    if (!this.creditGroupsSet.has(creditGroupId)) {
      this.creditGroupsSet.add(creditGroupId);
      const payload = { limitType: 'BALANCE' as const, amountMinor: 3 * this.limitAmountMinor(c, 1), currency: p.currency, unlimited: false, temporary: false, expiresOn: null, reason: 'corporate family limit' };
      this.push(ms, { kind: 'credit', record: { topic: TOPIC.creditGroups, key: creditGroupId, event: { eventId: `${creditGroupId}-limit`, eventTime: time, customerId: creditGroupId, causationId: null, type: 'CreditGroupLimitSet', payload } } });
    }
    const join = { commandId: `${this.idPrefix}-${p.id}-credit-group`, actor: 'simulator', creditGroupId, reason: 'member of a corporate family' };
    this.push(ms, { kind: 'credit', record: { topic: TOPIC.creditCommands, key: p.id, event: { eventId: `${this.idPrefix}-${p.id}-credit-group`, eventTime: time, customerId: p.id, causationId: null, type: 'SetCreditGroup', payload: join } } });
  }

  /** About 1.5 months of expected sales over the terms, times `factor`, rounded to 1,000 units of the currency. */
  private limitAmountMinor(c: CustomerState, factor: number): number {
    const p = c.p;
    // A fraudulent account is sized on the ordinary business it claims to be, not on what it then orders.
    const claimed = p.behaviour === 'fraudulent' ? 1 / (FRAUD_ORDER_RATE_FACTOR * FRAUD_ORDER_SIZE_FACTOR) : 1;
    const monthlyUsd = p.orderRate * 21 * p.medianOrderUsd * 1.3 * claimed;
    const unit = 1000 * p.minorPerMajor;
    const raw = this.toMinor(c, monthlyUsd * Math.max(1, c.netDays / 30) * 1.5 * factor);
    return Math.max(unit, Math.round(raw / unit) * unit);
  }

  private creditLimit(c: CustomerState, factor: number, reason: string): CreditLimitSet {
    const p = c.p;
    const amountMinor = p.noCredit || p.unlimited ? 0 : this.limitAmountMinor(c, factor);
    return {
      limitType: p.limitType,
      amountMinor,
      currency: p.currency,
      unlimited: p.unlimited,
      // A fifth of the expiring limits are granted for 90 days and lapse before the next credit review, so some orders
      // meet an expired limit (no extra random draw: the rest of the simulation is unchanged).
      expiresOn: p.unlimited || p.noCredit || !c.prng.chance(0.3) ? null : formatDate(this.day + (p.index % 5 === 0 ? 90 : 365)),
      temporary: false,
      reason,
    };
  }

  private creditReview(c: CustomerState): void {
    if (c.status === 'CLOSED') return;
    const good = c.p.behaviour === 'reliable' || c.p.behaviour === 'seasonal' || c.p.behaviour === 'dispute-prone';
    const ms = this.at(c, 6, 7);
    this.emit(c, TOPIC.customers, ms, 'CreditLimitSet', this.creditLimit(c, good ? c.prng.uniform(1, 1.4) : c.prng.uniform(0.6, 1), 'periodic credit review'));
    const risky = c.p.behaviour === 'chronically-late' || (c.p.behaviour === 'deteriorating' && this.day > c.p.deteriorationOnset);
    if (risky && c.netDays > 15 && c.prng.chance(0.3)) {
      c.netDays -= 15;
      this.emit(c, TOPIC.customers, ms, 'PaymentTermsSet', { termsCode: `NET${c.netDays}`, netDays: c.netDays });
    }
    // Seasonal customers get a temporary limit for their peak, expiring at the end of the peak month.
    if (c.p.behaviour === 'seasonal' && !c.p.unlimited && !c.p.noCredit) {
      const { year, month } = civilFromDay(this.day);
      const monthsAhead = (c.p.peakMonth - month + 12) % 12;
      if (monthsAhead <= 2) {
        const peakYear = year + (month + monthsAhead > 12 ? 1 : 0);
        const afterPeak = dayFromCivil(c.p.peakMonth === 12 ? peakYear + 1 : peakYear, c.p.peakMonth === 12 ? 1 : c.p.peakMonth + 1, 1);
        const temp = this.creditLimit(c, 1.6, 'temporary limit for the peak season');
        this.emit(c, TOPIC.customers, ms, 'CreditLimitSet', { ...temp, temporary: true, expiresOn: formatDate(afterPeak - 1) });
      }
    }
    this.enqueue(onOrAfterBusinessDay(this.day + c.prng.int(120, 200)), { rank: 1, kind: 'credit-review', c });
  }

  private changeStatus(c: CustomerState, status: AccountStatus, reason: string, ms: number): void {
    if (c.status === status) return;
    const payload: AccountStatusChanged = { status, previousStatus: c.status, reason, changedBy: 'system' };
    c.status = status;
    this.emit(c, TOPIC.customers, ms, 'AccountStatusChanged', payload);
  }

  // ---- orders ----

  private placeOrders(c: CustomerState): void {
    const p = c.p;
    if (c.status === 'CLOSED') return;
    const day = this.day;
    if (day >= p.dormantFrom && day < p.dormantTo) return;
    let rate = p.orderRate;
    if (p.behaviour === 'fraudulent' && day > p.registerDay + 40) return;
    if (p.behaviour === 'seasonal') rate *= 0.5 + 2 * (1 - (Math.min(Math.abs(monthOf(day) - p.peakMonth), 12 - Math.abs(monthOf(day) - p.peakMonth)) / 6)) ** 2;
    if (c.status === 'BLOCKED') rate *= 0.2;
    rate *= 1 - 0.25 * Math.min(1, shockOn(this.shocks, day));
    const count = c.prng.poisson(rate);
    for (let i = 0; i < count; i++) this.placeOrder(c);
  }

  private placeOrder(c: CustomerState): void {
    const p = c.p;
    let usd = c.prng.logNormal(p.medianOrderUsd, 0.7);
    // A bust-out ramps up, then levels off: uncapped, a fraudster's hundredth order overflowed a long.
    if (p.behaviour === 'fraudulent') usd *= 1.35 ** Math.min(FRAUD_RAMP_ORDERS, c.fraudOrders++);
    if (c.wakeUpPending && this.day >= p.dormantTo) {
      usd *= 3;
      c.wakeUpPending = false;
    }
    const amountMinor = this.toMinor(c, usd);
    const orderId = this.id(c, 'SO', ++c.n.order);
    const ms = this.at(c, 8, 18);
    this.emit(c, TOPIC.orders, ms, 'OrderPlaced', {
      orderId,
      amountMinor,
      currency: p.currency,
      lineCount: 1 + c.prng.poisson(Math.min(20, Math.max(0, Math.log2(usd / 100)))),
      orderDate: formatDate(this.day),
      requestedShipDate: c.prng.chance(0.4) ? formatDate(this.day + c.prng.int(2, 10)) : null,
    });
    if (p.behaviour === 'fraudulent') this.markFraud(c, orderId, amountMinor, 'new-account', ms);
    if (p.behaviour !== 'fraudulent' && c.prng.chance(0.03)) {
      this.enqueue(addBusinessDays(this.day, c.prng.int(1, 2)), { rank: 4, kind: 'cancel', c, orderId });
      return;
    }
    const first = addBusinessDays(this.day, c.prng.int(1, 4));
    if (c.prng.chance(0.08) && amountMinor > 100) {
      const part = Math.round(amountMinor * c.prng.uniform(0.4, 0.7));
      this.enqueue(first, { rank: 3, kind: 'ship', c, orderId, amountMinor: part, final: false });
      this.enqueue(addBusinessDays(first, c.prng.int(2, 6)), { rank: 3, kind: 'ship', c, orderId, amountMinor: amountMinor - part, final: true });
    } else {
      this.enqueue(first, { rank: 3, kind: 'ship', c, orderId, amountMinor, final: true });
    }
  }

  // ---- fraud ----

  /**
   * Draws the customer's fraud patterns from its own fraud stream: a bust-out after a returned payment (for customers
   * in distress), a takeover of its dormant account. Every customer draws the same numbers, used or not.
   */
  private planFraud(c: CustomerState): void {
    const p = c.p;
    const f = c.fraud;
    const bustOut = f.chance(BUST_OUT_SHARE);
    const bustOutFrom = this.o.startDay + f.int(60, Math.max(60, this.o.days - 30));
    const takeover = f.chance(TAKEOVER_SHARE);
    if (bustOut && BUST_OUT_BEHAVIOURS.has(p.behaviour)) c.bustOutFrom = bustOutFrom;
    if (takeover && p.dormantTo > p.dormantFrom) {
      // While the owner is away, someone else orders on the account: large orders shortly before the owner is back.
      let day = onOrAfterBusinessDay(p.dormantTo - f.int(10, 18));
      for (let k = f.int(3, 6); k > 0; k--) {
        this.enqueue(day, { rank: 4, kind: 'fraud-order', c, pattern: 'dormant-takeover', usd: p.medianOrderUsd * f.uniform(4, 10) });
        day = addBusinessDays(day, f.int(0, 1));
      }
    }
  }

  /** Right after one of its payments bounced, a customer about to fail orders all it can get, in a few days. */
  private bustOut(c: CustomerState): void {
    c.bustOutFrom = null;
    const f = c.fraud;
    let day = addBusinessDays(this.day, 1);
    for (let k = f.int(3, 7); k > 0; k--) {
      this.enqueue(day, { rank: 4, kind: 'fraud-order', c, pattern: 'bust-out', usd: c.p.medianOrderUsd * f.uniform(3, 8) });
      day = addBusinessDays(day, f.int(0, 2));
    }
  }

  /** A fraudulent order of a pattern: placed, marked in the ground truth, shipped (unless the account is closed). */
  private placeFraudOrder(c: CustomerState, pattern: FraudPattern, usd: number): void {
    const p = c.p;
    const f = c.fraud;
    const amountMinor = this.toMinor(c, usd);
    const orderId = this.id(c, 'SO', ++c.n.order);
    const ms = Math.floor(f.uniform(8 * HOUR, 18 * HOUR));
    this.emit(c, TOPIC.orders, ms, 'OrderPlaced', { orderId, amountMinor, currency: p.currency, lineCount: 1 + f.int(0, 8), orderDate: formatDate(this.day), requestedShipDate: null });
    this.markFraud(c, orderId, amountMinor, pattern, ms);
    // Nobody ships to a closed account: the order stays open.
    if (c.status !== 'CLOSED') this.enqueue(addBusinessDays(this.day, f.int(1, 3)), { rank: 3, kind: 'ship', c, orderId, amountMinor, final: true, fraud: true });
  }

  private markFraud(c: CustomerState, orderId: string, amountMinor: number, pattern: FraudPattern, ms: number): void {
    this.push(ms, { kind: 'fraud', truth: { orderId, customerId: c.p.id, orderDate: formatDate(this.day), amountMinor, currency: c.p.currency, pattern } });
  }

  // ---- actions ----

  private execute(a: Action, payments: Map<CustomerState, { inv: InvoiceState; amountMinor: number }[]>): void {
    switch (a.kind) {
      case 'status':
        if (a.c.status === a.onlyFrom) this.changeStatus(a.c, a.status, a.reason, this.at(a.c, 6, 7));
        return;
      case 'credit-review':
        return this.creditReview(a.c);
      case 'payment-return':
        return this.returnPayment(a);
      case 'ship':
        return this.ship(a.c, a.orderId, a.amountMinor, a.final, a.fraud ?? false);
      case 'fraud-order':
        return this.placeFraudOrder(a.c, a.pattern, a.usd);
      case 'cancel':
        if (a.c.status !== 'CLOSED') this.emit(a.c, TOPIC.orders, this.at(a.c, 9, 10), 'OrderCancelled', { orderId: a.orderId, reason: a.c.prng.pick(['customer request', 'out of stock', 'duplicate order']) });
        return;
      case 'invoice':
        return this.invoiceAction(a.inv, a.a, payments);
    }
  }

  private ship(c: CustomerState, orderId: string, amountMinor: number, final: boolean, fraud = false): void {
    // A fraudulent order is invoiced to an account that will not pay it (drawn from the fraud stream).
    const p = fraud && c.p.behaviour !== 'fraudulent' ? { ...c.p, behaviour: 'fraudulent' as const, params: BEHAVIOUR_PARAMS.fraudulent } : c.p;
    const prng = fraud ? c.fraud : c.prng;
    const ms = Math.floor(prng.uniform(8 * HOUR, 9 * HOUR));
    const shipmentId = this.id(c, 'SH', ++c.n.shipment);
    this.emit(c, TOPIC.orders, ms, 'OrderShipped', { orderId, shipmentId, amountMinor, currency: p.currency, shippedOn: formatDate(this.day), finalShipment: final });

    const invoiceId = this.id(c, 'INV', ++c.n.invoice);
    const dueDay = this.day + c.netDays;
    const outlook = invoiceOutlook({
      profile: p,
      issueDay: this.day,
      dueMonth: monthOf(dueDay),
      netDays: c.netDays,
      amountRatio: amountMinor / p.minorPerUsd / p.medianOrderUsd,
      recentNsf: c.nsfDays.filter((d) => d > this.day - 90).length,
      macroShock: shockOn(this.shocks, dueDay),
      // Not the first invoice: a fraudulent account pays only its first to look normal.
      invoiceOrdinal: fraud ? Math.max(1, c.invoiceOrdinal++) : c.invoiceOrdinal++,
    });
    const plan = planInvoice(prng, p.params, outlook, this.day, dueDay);
    const issued: InvoiceEnvelope['payload'] = {
      invoiceId,
      orderId,
      amountMinor,
      currency: p.currency,
      invoiceDate: formatDate(this.day),
      dueDate: formatDate(dueDay),
      termsCode: `NET${c.netDays}`,
      netDays: c.netDays,
    };
    this.emit(c, TOPIC.invoices, ms + 60_000, 'InvoiceIssued', issued);
    const pr = outlook.probabilities;
    this.push(ms + 60_000, {
      kind: 'truth',
      truth: {
        invoiceId,
        customerId: p.id,
        behaviour: c.p.behaviour,
        invoiceDate: issued.invoiceDate,
        dueDate: issued.dueDate,
        amountMinor,
        currency: p.currency,
        pOnTime: pr.onTime,
        pLate: pr.late,
        pVeryLate: pr.veryLate,
        disputed: plan.disputed,
        bucket: plan.bucket,
        settlementDate: plan.settlementDay === null ? null : formatDate(plan.settlementDay),
      },
    });
    const inv: InvoiceState = { id: invoiceId, c, orderId, dueDay, openMinor: amountMinor, disputeId: null };
    for (const action of plan.actions) this.enqueue(action.day, { rank: 5, kind: 'invoice', inv, a: action });
  }

  private invoiceAction(inv: InvoiceState, a: InvoiceAction, payments: Map<CustomerState, { inv: InvoiceState; amountMinor: number }[]>): void {
    const c = inv.c;
    const currency = c.p.currency;
    switch (a.kind) {
      case 'dispute-open': {
        if (inv.openMinor <= 0) return;
        inv.disputeId = this.id(c, 'DSP', ++c.n.dispute);
        const amountMinor = Math.max(1, Math.round(inv.openMinor * a.fraction));
        this.emit(c, TOPIC.invoices, this.at(c, 10, 11), 'InvoiceDisputed', { invoiceId: inv.id, disputeId: inv.disputeId, amountMinor, currency, reason: a.reason });
        return;
      }
      case 'dispute-resolve': {
        if (inv.disputeId === null) return;
        const creditedMinor = Math.min(inv.openMinor - 1, Math.round(inv.openMinor * a.creditFraction));
        const credited = creditedMinor > 0;
        const ms = this.at(c, 11, 12);
        this.emit(c, TOPIC.invoices, ms, 'DisputeResolved', { invoiceId: inv.id, disputeId: inv.disputeId, outcome: credited ? a.outcome : a.outcome === 'PARTIALLY_CREDITED' ? 'UPHELD' : a.outcome, creditedMinor: credited ? creditedMinor : 0, currency });
        if (credited) {
          inv.openMinor -= creditedMinor;
          this.emit(c, TOPIC.invoices, ms + 60_000, 'InvoiceAdjusted', { invoiceId: inv.id, creditNoteId: this.id(c, 'CN', ++c.n.creditNote), amountMinor: creditedMinor, currency, reason: `dispute ${inv.disputeId} resolved in the customer's favour` });
        }
        inv.disputeId = null;
        return;
      }
      case 'partial-payment': {
        const amountMinor = Math.round(inv.openMinor * a.fraction);
        if (amountMinor <= 0 || amountMinor >= inv.openMinor) return;
        inv.openMinor -= amountMinor;
        this.collect(payments, c, inv, amountMinor);
        return;
      }
      case 'final-payment': {
        if (inv.openMinor <= 0) return;
        const amountMinor = inv.openMinor;
        inv.openMinor = 0;
        this.collect(payments, c, inv, amountMinor);
        return;
      }
      case 'nsf-attempt': {
        if (inv.openMinor <= 0) return;
        const amountMinor = inv.openMinor;
        inv.openMinor = 0;
        const paymentId = this.id(c, 'PAY', ++c.n.payment);
        const applications = [{ invoiceId: inv.id, amountMinor }];
        const method: PaymentMethod = c.prng.chance(0.6) ? 'CHECK' : 'DIRECT_DEBIT';
        this.emit(c, TOPIC.payments, this.at(c, 13, 16), 'PaymentReceived', { paymentId, amountMinor, currency, method, receivedOn: formatDate(this.day), applications, unappliedMinor: 0 });
        this.enqueue(a.returnDay, { rank: 2, kind: 'payment-return', c, paymentId, amountMinor, applications, invoices: [inv] });
        return;
      }
      case 'block-account':
        if (inv.openMinor > 0) this.changeStatus(c, 'BLOCKED', `invoice ${inv.id} unpaid ${this.day - inv.dueDay} days after its due date`, this.at(c, 6, 7));
        return;
      case 'write-off': {
        if (inv.openMinor <= 0) return;
        const amountMinor = inv.openMinor;
        inv.openMinor = 0;
        const ms = this.at(c, 16, 17);
        this.emit(c, TOPIC.invoices, ms, 'InvoiceWrittenOff', { invoiceId: inv.id, writeOffId: this.id(c, 'WO', ++c.n.writeOff), amountMinor, currency, reason: 'uncollectible: no payment received' });
        if (c.p.behaviour === 'fraudulent' && c.status !== 'CLOSED') {
          this.changeStatus(c, 'CLOSED', 'account closed after bad debt write-off (suspected fraud)', ms + 60_000);
          // Now and then the fraudster tries the closed account again.
          if (c.fraud.chance(0.5)) for (let k = c.fraud.int(1, 2); k > 0; k--) this.enqueue(addBusinessDays(this.day, c.fraud.int(5, 30)), { rank: 4, kind: 'fraud-order', c, pattern: 'closed-account', usd: c.p.medianOrderUsd * c.fraud.uniform(0.5, 2) });
        }
        return;
      }
    }
  }

  private collect(payments: Map<CustomerState, { inv: InvoiceState; amountMinor: number }[]>, c: CustomerState, inv: InvoiceState, amountMinor: number): void {
    const list = payments.get(c) ?? [];
    list.push({ inv, amountMinor });
    payments.set(c, list);
  }

  /** One payment per customer and day settles every invoice the customer pays that day (a payment run). */
  private receivePayment(c: CustomerState, apps: { inv: InvoiceState; amountMinor: number }[]): void {
    const applications = apps.map((x) => ({ invoiceId: x.inv.id, amountMinor: x.amountMinor }));
    const applied = applications.reduce((s, x) => s + x.amountMinor, 0);
    // Now and then a customer pays a little more than it owes; the rest stays on account.
    const unappliedMinor = c.prng.chance(0.02) ? Math.max(1, Math.round(applied * c.prng.uniform(0.005, 0.05))) : 0;
    this.emit(c, TOPIC.payments, this.at(c, 13, 16), 'PaymentReceived', {
      paymentId: this.id(c, 'PAY', ++c.n.payment),
      amountMinor: applied + unappliedMinor,
      currency: c.p.currency,
      method: c.prng.weighted(c.p.params.methods),
      receivedOn: formatDate(this.day),
      applications,
      unappliedMinor,
    });
  }

  private returnPayment(a: Extract<Action, { kind: 'payment-return' }>): void {
    const c = a.c;
    const ms = this.at(c, 7, 8);
    for (const inv of a.invoices) {
      const app = a.applications.find((x) => x.invoiceId === inv.id);
      if (app) inv.openMinor += app.amountMinor;
    }
    this.emit(c, TOPIC.payments, ms, 'PaymentReturned', {
      paymentId: a.paymentId,
      amountMinor: a.amountMinor,
      currency: c.p.currency,
      reason: 'NSF',
      returnedOn: formatDate(this.day),
      reversedApplications: a.applications,
      feeMinor: this.toMinor(c, 25),
    });
    c.nsfDays.push(this.day);
    if (c.bustOutFrom !== null && this.day >= c.bustOutFrom) this.bustOut(c);
    const recent = c.nsfDays.filter((d) => d > this.day - 90).length;
    if (recent >= REPEATED_NSF && c.status === 'ACTIVE') {
      this.changeStatus(c, 'BLOCKED', `${recent} NSF payments in 90 days`, ms + 60_000);
      this.enqueue(addBusinessDays(this.day, c.prng.int(20, 40)), { rank: 0, kind: 'status', c, status: 'ACTIVE', reason: 'block for repeated NSF payments lifted', onlyFrom: 'BLOCKED' });
    }
  }
}
