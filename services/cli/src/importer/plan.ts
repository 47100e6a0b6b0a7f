import { TOPIC } from '@creditstream/schemas';
import { isBusinessDay } from '../calendar/business-days';
import { formatDate, formatTimestamp } from '../calendar/dates';
import { clockTicks } from '../clock/ticks';
import type { EventRecord, InputEvent } from '../simulator/records';
import type { InvoiceRow } from './rows';

const HOUR = 3_600_000;
// Fixed times of day keep causes before effects: tick, registration, issue, dispute, resolution, payment.
const AT_REGISTER = 1000;
const AT_ISSUE = 9 * HOUR;
const AT_DISPUTE = 10 * HOUR;
const AT_RESOLVE = 11 * HOUR;
const AT_PAYMENT = 12 * HOUR;

/** Prefix of every imported event id: ids depend only on the data, so importing a file twice gives the same ids. */
const ID = 'import';

/**
 * Turns valid invoice rows into the events live operation would have produced, in event-time order: per customer a
 * CustomerRegistered on its first invoice date, per invoice InvoiceIssued, InvoiceDisputed (and DisputeResolved
 * before payment when settled), PaymentReceived on the settled date, and one tick per partition for every business
 * day from the first to the last date. Pure.
 */
export function planImport(rows: readonly InvoiceRow[], partitions: number): EventRecord[] {
  const timed: { day: number; ms: number; seq: number; record: EventRecord }[] = [];
  let seq = 0;
  const add = (day: number, ms: number, customerId: string, id: string, topic: string, type: InputEvent['type'], payload: InputEvent['payload']) => {
    const event = { eventId: `${ID}-${customerId}-${id}`, eventTime: formatTimestamp(day, ms), customerId, causationId: null, type, payload } as InputEvent;
    timed.push({ day, ms, seq: seq++, record: { topic, key: customerId, event } });
  };

  const ordered = [...rows].sort((a, b) => a.invoiceDay - b.invoiceDay || a.line - b.line);
  const registered = new Set<string>();
  // Registration data comes from the customer's first row that has it.
  const profile = new Map<string, { country: string | null; segment: string | null; paperless: boolean | null }>();
  for (const r of ordered) {
    const p = profile.get(r.customerId);
    if (!p) profile.set(r.customerId, { country: r.country, segment: r.segment, paperless: r.paperless });
    else {
      p.country ??= r.country;
      p.segment ??= r.segment;
      p.paperless ??= r.paperless;
    }
  }
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of ordered) {
    first = Math.min(first, r.invoiceDay);
    last = Math.max(last, r.invoiceDay, r.settledDay ?? r.invoiceDay);
    if (!registered.has(r.customerId)) {
      registered.add(r.customerId);
      const p = profile.get(r.customerId);
      add(r.invoiceDay, AT_REGISTER, r.customerId, 'registered', TOPIC.customers, 'CustomerRegistered', {
        name: r.customerId,
        country: p?.country ?? 'ZZ',
        segment: p?.segment ?? 'unknown',
        currency: r.currency,
        groupId: null,
        paperless: p?.paperless ?? false,
        openedOn: formatDate(r.invoiceDay),
      });
    }
    const inv = r.invoiceId;
    const netDays = r.dueDay - r.invoiceDay;
    add(r.invoiceDay, AT_ISSUE, r.customerId, `${inv}-issued`, TOPIC.invoices, 'InvoiceIssued', {
      invoiceId: inv,
      orderId: null,
      amountMinor: r.amountMinor,
      currency: r.currency,
      invoiceDate: formatDate(r.invoiceDay),
      dueDate: formatDate(r.dueDay),
      termsCode: `NET${netDays}`,
      netDays,
    });
    if (r.disputed) {
      // The file says only that the invoice was disputed, not when: the dispute is dated on the invoice date.
      add(r.invoiceDay, AT_DISPUTE, r.customerId, `${inv}-disputed`, TOPIC.invoices, 'InvoiceDisputed', { invoiceId: inv, disputeId: `${inv}-D1`, amountMinor: r.amountMinor, currency: r.currency, reason: 'imported' });
      if (r.settledDay !== null) {
        add(r.settledDay, AT_RESOLVE, r.customerId, `${inv}-dispute-resolved`, TOPIC.invoices, 'DisputeResolved', { invoiceId: inv, disputeId: `${inv}-D1`, outcome: 'UPHELD', creditedMinor: 0, currency: r.currency });
      }
    }
    if (r.settledDay !== null) {
      add(r.settledDay, AT_PAYMENT, r.customerId, `${inv}-paid`, TOPIC.payments, 'PaymentReceived', {
        paymentId: `PAY-${inv}`,
        amountMinor: r.amountMinor,
        currency: r.currency,
        method: 'OTHER',
        receivedOn: formatDate(r.settledDay),
        applications: [{ invoiceId: inv, amountMinor: r.amountMinor }],
        unappliedMinor: 0,
      });
    }
  }
  let previous: number | null = null;
  for (let day = first; day <= last; day++) {
    if (!isBusinessDay(day)) continue;
    for (const record of clockTicks(day, previous, partitions, ID)) timed.push({ day, ms: -1, seq: seq++, record });
    previous = day;
  }
  timed.sort((a, b) => a.day - b.day || a.ms - b.ms || a.seq - b.seq);
  return timed.map((t) => t.record);
}
