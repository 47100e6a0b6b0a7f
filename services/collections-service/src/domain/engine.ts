import { addDays, businessDateOfTimestamp, dateOfDay, dayNumber, daysBetween, findInvoice, isDate, type CustomerState, type InputEvent, type InvoiceState } from '@creditstream/features';
import type {
  AccountStatusChangedEvent,
  CollectionActionEnvelope,
  CollectionCommandEnvelope,
  CustomerPaymentOutlookEvent,
  InvoicePaymentPredictedEvent,
  DisputeResolvedEvent,
  InvoiceDisputedEvent,
  InvoiceWrittenOffEvent,
} from '@creditstream/schemas';
import { endOfDay } from '@creditstream/streams';
import { policyVersion, resolveFor, type CollectionPolicy } from '../policy';
import { interestSegments, type InterestSegment } from './interest';
import { buildStatement, type PeriodActions, type Statement } from './statement';
import { COMMAND_MEMORY, dunningOf, findDunning, NOTE_MEMORY, type CollectionsState, type CustomerValue, type InvoiceDunning, type PromiseRecord } from './state';

// The collections process as pure functions of a customer's state (the shared fold plus the collections state),
// the policy in force and an event in business time. Nothing here reads a clock or does I/O: the processor calls
// it on the partition task, the process simulation calls it on a history, and both get the same actions with the
// same ids.

/** An action on the collections actions topic, or a write-off on the invoices topic. */
export type Emitted = { topic: 'actions'; event: CollectionActionEnvelope } | { topic: 'invoices'; event: InvoiceWrittenOffEvent | InvoiceDisputedEvent | DisputeResolvedEvent } | { topic: 'customers'; event: AccountStatusChangedEvent };

/** Where the engine puts what it decides. */
export interface Sink {
  emit(output: Emitted): void;
  /** A customer's aging changed on `asOf`: a snapshot for the daily history. */
  agingChanged?(customerId: string, aging: NonNullable<CollectionsState['aging']>): void;
  /** A month closed: the customer's statement as of its last day. */
  statement?(customerId: string, statement: Statement): void;
}

/** A refusal of a malformed input (dead-lettered with this reason); business refusals of commands are events. */
export interface Refusal {
  code: string;
  message: string;
}

interface Cause {
  eventId: string;
  eventTime: string;
}

type ActionType = CollectionActionEnvelope['type'];
type PayloadOf<T extends ActionType> = Extract<CollectionActionEnvelope, { type: T }>['payload'];

function action<T extends ActionType>(customerId: string, eventId: string, cause: Cause, type: T, payload: PayloadOf<T>): Emitted {
  return { topic: 'actions', event: { eventId, eventTime: cause.eventTime, customerId, causationId: cause.eventId, type, payload } as CollectionActionEnvelope };
}

function currencyOf(fold: CustomerState): string {
  return fold.registration?.currency ?? fold.invoices[0]?.currency ?? 'XXX';
}

/** Applied plus credited on the invoices (what a promise counts as paid since it was made). */
function reducedOn(fold: CustomerState, invoiceIds: readonly string[]): number {
  let sum = 0;
  for (const id of invoiceIds) {
    const inv = findInvoice(fold, id);
    if (inv !== undefined) sum += inv.appliedMinor + inv.creditedMinor + (inv.writeOff?.amountMinor ?? 0);
  }
  return sum;
}

function underPromise(c: CollectionsState, invoiceId: string): PromiseRecord | undefined {
  for (const p of c.promises) if (p.status === 'OPEN' && p.invoiceIds.includes(invoiceId)) return p;
  return undefined;
}

/** Settles open promises that were kept (paid or closed). Returns whether anything changed. */
function checkPromisesKept(v: CustomerValue, date: string, cause: Cause, sink: Sink): boolean {
  let changed = false;
  for (const p of v.c.promises) {
    if (p.status !== 'OPEN') continue;
    const paid = reducedOn(v.fold, p.invoiceIds) - p.reducedBefore;
    const closed = p.invoiceIds.every((id) => findInvoice(v.fold, id)?.status !== 'OPEN');
    if (paid >= p.amountMinor || closed) {
      p.status = 'KEPT';
      sink.emit(action(v.c.customerId, `${p.promiseId}:kept`, cause, 'PromiseKept', { promiseId: p.promiseId, businessDate: date, paidMinor: Math.max(0, paid), currency: p.currency }));
      changed = true;
    }
  }
  return changed;
}

/**
 * After the shared fold took an invoice or payment event: an NSF return charges the policy's fee (the fold has
 * already reopened its invoices, whose dunning resumes at the level they had reached), and a payment, credit note
 * or resolution may keep a promise. Returns whether the collections state changed.
 */
export function afterFoldEvent(v: CustomerValue, event: Exclude<InputEvent, { type: 'BusinessDayTick' }>, policy: CollectionPolicy, sink: Sink): boolean {
  const cause = { eventId: event.eventId, eventTime: event.eventTime };
  const date = businessDateOfTimestamp(event.eventTime) ?? v.fold.asOf;
  let changed = false;
  if (event.type === 'PaymentReturned' && event.payload.reason === 'NSF' && policy.nsf.feeMinor > 0) {
    const p = event.payload;
    const pay = v.fold.payments.find((x) => x.paymentId === p.paymentId);
    const invoiceIds = (pay?.applications ?? p.reversedApplications).map((a) => a.invoiceId).sort();
    v.c.feesMinor += policy.nsf.feeMinor;
    periodOf(v.c).fees.push({ feeId: `${v.c.customerId}:fee:nsf:${p.paymentId}`, businessDate: p.returnedOn, kind: 'NSF', amountMinor: policy.nsf.feeMinor });
    sink.emit(action(v.c.customerId, `${v.c.customerId}:fee:nsf:${p.paymentId}`, cause, 'CollectionFeeCharged', {
      feeId: `${v.c.customerId}:fee:nsf:${p.paymentId}`,
      businessDate: p.returnedOn,
      kind: 'NSF',
      amountMinor: policy.nsf.feeMinor,
      currency: currencyOf(v.fold),
      paymentId: p.paymentId,
      invoiceIds,
      policyVersion: policyVersion(policy),
    }));
    changed = true;
  }
  if (event.type === 'PaymentReceived' || event.type === 'InvoiceAdjusted' || event.type === 'DisputeResolved' || event.type === 'InvoiceWrittenOff') {
    changed = checkPromisesKept(v, date, cause, sink) || changed;
  }
  return changed;
}

/**
 * A prediction of an invoice: before its due date, P(on time) below the threshold starts a collection (once per
 * episode); the episode ends only when P(on time) is back at threshold + hysteresis, so a probability hovering at
 * the threshold does not start it again and again. Returns whether the state changed.
 *
 * Decided from the prediction alone (the invoice was open, for the amount it names, at the prediction's business
 * time), never from the invoice as it is when the prediction arrives: live, a prediction arrives after the events of
 * its business time (a payment may have been taken meanwhile), a replay takes it before them, and both must start
 * the same collection.
 */
export function onPrediction(v: CustomerValue, event: InvoicePaymentPredictedEvent, policy: CollectionPolicy, sink: Sink): boolean {
  const p = event.payload;
  const inv = findInvoice(v.fold, p.invoiceId);
  if (inv === undefined) return false;
  const d = dunningOf(v.c, p.invoiceId);
  d.prediction = { pOnTime: p.pOnTime, pLate: p.pLate, modelVersion: p.modelVersion, businessDate: p.businessDate };
  const { threshold, hysteresis } = policy.prediction;
  if (d.inEpisode) {
    if (p.pOnTime >= threshold + hysteresis) d.inEpisode = false;
    return true;
  }
  // Only before the due date: once overdue, the ladder is running anyway.
  if (p.pOnTime >= threshold || p.businessDate > inv.dueDate) return true;
  d.inEpisode = true;
  d.episodes += 1;
  d.startedOn ??= p.businessDate;
  const id = `${v.c.customerId}:start:${p.invoiceId}:p${d.episodes}`;
  sink.emit(action(v.c.customerId, id, event, 'CollectionStarted', {
    collectionId: id,
    businessDate: p.businessDate,
    trigger: 'PREDICTION',
    invoiceIds: [p.invoiceId],
    amountMinor: p.openAmountMinor,
    currency: p.currency,
    pOnTime: p.pOnTime,
    modelVersion: p.modelVersion,
    topFactors: p.topFactors.map((f) => ({ feature: f.feature, value: f.value, contribution: f.contribution })),
    episode: d.episodes,
    policyVersion: policyVersion(policy),
  }));
  return true;
}

/** The customer's latest payment outlook (for the worklist). */
export function onOutlook(v: CustomerValue, event: CustomerPaymentOutlookEvent): boolean {
  const p = event.payload;
  v.c.outlook = { businessDate: p.businessDate, modelVersion: p.modelVersion, currency: p.currency, openBalanceMinor: p.openBalanceMinor, expectedLateMinor: p.expectedLateMinor, expectedVeryLateMinor: p.expectedVeryLateMinor };
  return true;
}

function refuse(v: CustomerValue, event: CollectionCommandEnvelope, date: string, code: string, reason: string, sink: Sink): void {
  const cmd = event.payload;
  sink.emit(action(v.c.customerId, `${v.c.customerId}:refused:${cmd.commandId}`, event, 'CollectionCommandRefused', { commandId: cmd.commandId, command: event.type, businessDate: date, reasonCode: code, reason, actor: cmd.actor }));
}

/**
 * A command of a person or system. A command id seen before is ignored (idempotent); a command that is not allowed
 * now is refused with a CollectionCommandRefused naming why; a malformed one is a {@link Refusal} (dead letter).
 */
export function onCommand(v: CustomerValue, event: CollectionCommandEnvelope, policy: CollectionPolicy, sink: Sink): Refusal | 'ignored' | 'done' {
  const cmd = event.payload;
  if (typeof cmd?.commandId !== 'string' || cmd.commandId.length === 0) return { code: 'INVALID_COMMAND', message: `${event.type}.commandId must be a non-empty string, got ${JSON.stringify(cmd?.commandId)}` };
  if (typeof cmd.actor !== 'string' || cmd.actor.length === 0) return { code: 'INVALID_COMMAND', message: `${event.type}.actor must be a non-empty string, got ${JSON.stringify(cmd.actor)}` };
  const date = businessDateOfTimestamp(event.eventTime);
  if (date === null) return { code: 'INVALID_DATE', message: `eventTime must be an ISO-8601 UTC timestamp, got ${JSON.stringify(event.eventTime)}` };
  const c = v.c;
  if (c.commandIds.includes(cmd.commandId)) return 'ignored';
  c.commandIds.push(cmd.commandId);
  if (c.commandIds.length > COMMAND_MEMORY) c.commandIds.splice(0, c.commandIds.length - COMMAND_MEMORY);
  const fold = v.fold;
  switch (event.type) {
    case 'PromiseToPay': {
      const p = event.payload;
      if (!Array.isArray(p.invoiceIds) || p.invoiceIds.length === 0) return refuse(v, event, date, 'NO_INVOICES', 'a promise must name at least one invoice', sink), 'done';
      if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor <= 0) return refuse(v, event, date, 'INVALID_AMOUNT', `amountMinor must be a positive integer, got ${p.amountMinor}`, sink), 'done';
      if (!isDate(p.promisedDate) || p.promisedDate < date) return refuse(v, event, date, 'INVALID_DATE', `promisedDate ${p.promisedDate} must be a date on or after ${date}`, sink), 'done';
      for (const id of p.invoiceIds) {
        const inv = findInvoice(fold, id);
        if (inv === undefined) return refuse(v, event, date, 'UNKNOWN_INVOICE', `invoice ${id} of customer ${c.customerId} is not known`, sink), 'done';
        if (inv.status !== 'OPEN') return refuse(v, event, date, 'NOT_OPEN', `invoice ${id} is ${inv.status}`, sink), 'done';
        if (inv.currency !== p.currency) return refuse(v, event, date, 'CURRENCY_MISMATCH', `invoice ${id} is in ${inv.currency}, the promise in ${p.currency}`, sink), 'done';
        const other = underPromise(c, id);
        if (other !== undefined) return refuse(v, event, date, 'ALREADY_PROMISED', `invoice ${id} is under promise ${other.promiseId} until ${other.graceUntil}`, sink), 'done';
      }
      const invoiceIds = [...new Set(p.invoiceIds)].sort();
      const promiseId = `${c.customerId}:promise:${cmd.commandId}`;
      const graceUntil = addDays(p.promisedDate, policy.promises.graceDays);
      c.promises.push({ promiseId, invoiceIds, amountMinor: p.amountMinor, currency: p.currency, createdOn: date, promisedDate: p.promisedDate, graceUntil, reducedBefore: reducedOn(fold, invoiceIds), status: 'OPEN' });
      // Settled promises are forgotten after a while; open ones never.
      if (c.promises.length > 50) c.promises = c.promises.filter((x, i) => x.status === 'OPEN' || i >= c.promises.length - 50);
      sink.emit(action(c.customerId, promiseId, event, 'PromiseToPayRecorded', { promiseId, businessDate: date, invoiceIds, amountMinor: p.amountMinor, currency: p.currency, promisedDate: p.promisedDate, graceUntil, actor: cmd.actor }));
      return 'done';
    }
    case 'WaiveInterest':
    case 'ReinstateInterest':
    case 'ReverseInterest': {
      const p = event.payload;
      const note = c.notes.find((n) => n.noteId === p.noteId);
      if (note === undefined) return refuse(v, event, date, 'UNKNOWN_NOTE', `no interest note ${p.noteId} of customer ${c.customerId}`, sink), 'done';
      const from = event.type === 'ReinstateInterest' ? 'WAIVED' : 'ISSUED';
      if (note.status !== from) return refuse(v, event, date, 'WRONG_NOTE_STATUS', `interest note ${p.noteId} is ${note.status}; ${event.type} needs it ${from}`, sink), 'done';
      const to = event.type === 'WaiveInterest' ? 'WAIVED' : event.type === 'ReverseInterest' ? 'REVERSED' : 'ISSUED';
      const sign = to === 'ISSUED' ? 1 : -1;
      note.status = to;
      c.interestMinor += sign * note.totalMinor;
      for (const l of note.lines) {
        const d = findDunning(c, l.invoiceId);
        if (d !== undefined) d.interestMinor += sign * l.interestMinor;
      }
      const status = event.type === 'ReinstateInterest' ? 'REINSTATED' : to;
      sink.emit(action(c.customerId, `${note.noteId}:${status.toLowerCase()}:${cmd.commandId}`, event, 'InterestNoteStatusChanged', { noteId: note.noteId, businessDate: date, status, amountMinor: note.totalMinor, currency: note.currency, commandId: cmd.commandId, actor: cmd.actor, reason: p.reason }));
      return 'done';
    }
    case 'ApproveWriteOff': {
      const p = event.payload;
      const proposal = c.proposals.find((x) => x.proposalId === p.proposalId);
      if (proposal === undefined) return refuse(v, event, date, 'UNKNOWN_PROPOSAL', `no write-off proposal ${p.proposalId} of customer ${c.customerId}`, sink), 'done';
      if (proposal.status === 'APPROVED') return refuse(v, event, date, 'ALREADY_APPROVED', `proposal ${p.proposalId} is already approved`, sink), 'done';
      const inv = findInvoice(fold, proposal.invoiceId);
      if (inv === undefined || inv.status !== 'OPEN') return refuse(v, event, date, 'NOT_OPEN', `invoice ${proposal.invoiceId} is ${inv?.status ?? 'unknown'}: nothing to write off`, sink), 'done';
      if (proposal.approvals.includes(cmd.actor)) return refuse(v, event, date, 'SAME_APPROVER', `${cmd.actor} already approved ${p.proposalId}; four eyes need a second person`, sink), 'done';
      proposal.approvals.push(cmd.actor);
      const needed = proposal.fourEyes ? 2 : 1;
      if (proposal.approvals.length < needed) {
        sink.emit(action(c.customerId, `${proposal.proposalId}:approval:${cmd.commandId}`, event, 'WriteOffApprovalRecorded', { proposalId: proposal.proposalId, invoiceId: proposal.invoiceId, businessDate: date, actor: cmd.actor, commandId: cmd.commandId, approvalsNeeded: needed }));
        return 'done';
      }
      proposal.status = 'APPROVED';
      proposal.approvedOn = date;
      const writeOffId = `${c.customerId}:wo:${inv.invoiceId}`;
      sink.emit(action(c.customerId, `${proposal.proposalId}:approved`, event, 'WriteOffApproved', { proposalId: proposal.proposalId, invoiceId: inv.invoiceId, writeOffId, businessDate: date, amountMinor: inv.openMinor, currency: inv.currency, approvedBy: [...proposal.approvals] }));
      sink.emit({
        topic: 'invoices',
        // 1 ms after the approval: a replay takes it after the command (at equal times the invoices topic goes first).
        event: { eventId: `${proposal.proposalId}:written-off`, eventTime: new Date(Date.parse(event.eventTime) + 1).toISOString(), customerId: c.customerId, causationId: event.eventId, type: 'InvoiceWrittenOff', payload: { invoiceId: inv.invoiceId, writeOffId, amountMinor: inv.openMinor, currency: inv.currency, reason: `approved write-off ${proposal.proposalId} by ${proposal.approvals.join(', ')}: ${p.reason}` } },
      });
      return 'done';
    }
    case 'OpenDispute':
    case 'ResolveDispute':
      return onDisputeCommand(v, event, date, sink);
    default:
      return { code: 'INVALID_COMMAND', message: `unknown command type ${JSON.stringify((event as { type: unknown }).type)}` };
  }
}

const DISPUTE_OUTCOMES = ['UPHELD', 'CREDITED', 'PARTIALLY_CREDITED', 'WITHDRAWN'] as const;

/**
 * Opens or resolves a dispute: checked here as the shared fold will check the invoice event (open invoice of the
 * customer, its currency, amounts), so what is produced is never dead-lettered downstream. The dispute itself goes to
 * the invoices topic (InvoiceDisputed / DisputeResolved: every service folds it, and the pause of letters and
 * interest follows from the fold, as for a dispute from accounts receivable) 1 ms after the command, so a replay
 * takes it after the command; a DisputeRecorded action names the command as carried out.
 */
function onDisputeCommand(v: CustomerValue, event: Extract<CollectionCommandEnvelope, { type: 'OpenDispute' | 'ResolveDispute' }>, date: string, sink: Sink): 'done' {
  const c = v.c;
  const cmd = event.payload;
  const inv = findInvoice(v.fold, cmd.invoiceId);
  if (inv === undefined) return refuse(v, event, date, 'UNKNOWN_INVOICE', `invoice ${cmd.invoiceId} of customer ${c.customerId} is not known`, sink), 'done';
  if (inv.currency !== cmd.currency) return refuse(v, event, date, 'CURRENCY_MISMATCH', `invoice ${cmd.invoiceId} is in ${inv.currency}, the command in ${cmd.currency}`, sink), 'done';
  if (typeof cmd.reason !== 'string' || cmd.reason.trim().length === 0) return refuse(v, event, date, 'NO_REASON', `${event.type} needs a reason`, sink), 'done';
  const at = new Date(Date.parse(event.eventTime) + 1).toISOString();
  if (event.type === 'OpenDispute') {
    const p = event.payload;
    if (inv.status !== 'OPEN') return refuse(v, event, date, 'NOT_OPEN', `invoice ${p.invoiceId} is ${inv.status}: only an open invoice can be disputed`, sink), 'done';
    if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor <= 0 || p.amountMinor > inv.openMinor) return refuse(v, event, date, 'INVALID_AMOUNT', `amountMinor must be a positive integer of at most the open amount ${inv.openMinor} of invoice ${p.invoiceId}, got ${p.amountMinor}`, sink), 'done';
    const disputeId = `${c.customerId}:dispute:${cmd.commandId}`;
    sink.emit(action(c.customerId, `${disputeId}:opened`, event, 'DisputeRecorded', { disputeId, invoiceId: p.invoiceId, businessDate: date, status: 'OPENED', amountMinor: p.amountMinor, currency: p.currency, outcome: null, creditedMinor: 0, commandId: cmd.commandId, actor: cmd.actor, reason: p.reason }));
    sink.emit({ topic: 'invoices', event: { eventId: `${disputeId}:disputed`, eventTime: at, customerId: c.customerId, causationId: event.eventId, type: 'InvoiceDisputed', payload: { invoiceId: p.invoiceId, disputeId, amountMinor: p.amountMinor, currency: p.currency, reason: p.reason } } });
    return 'done';
  }
  const p = event.payload;
  const dispute = inv.disputes.find((d) => d.disputeId === p.disputeId);
  if (dispute === undefined) return refuse(v, event, date, 'UNKNOWN_DISPUTE', `no dispute ${p.disputeId} on invoice ${p.invoiceId}`, sink), 'done';
  if (dispute.resolvedOn !== null) return refuse(v, event, date, 'ALREADY_RESOLVED', `dispute ${p.disputeId} was resolved ${String(dispute.outcome)} on ${dispute.resolvedOn}`, sink), 'done';
  if (!(DISPUTE_OUTCOMES as readonly string[]).includes(p.outcome)) return refuse(v, event, date, 'INVALID_OUTCOME', `outcome must be one of ${DISPUTE_OUTCOMES.join(', ')}, got ${JSON.stringify(p.outcome)}`, sink), 'done';
  const credits = p.outcome === 'CREDITED' || p.outcome === 'PARTIALLY_CREDITED';
  if (!Number.isSafeInteger(p.creditedMinor) || p.creditedMinor < 0 || p.creditedMinor > dispute.amountMinor || (credits ? p.creditedMinor === 0 : p.creditedMinor !== 0)) {
    return refuse(v, event, date, 'INVALID_AMOUNT', `creditedMinor must be ${credits ? `between 1 and the disputed amount ${dispute.amountMinor}` : '0'} for ${p.outcome}, got ${p.creditedMinor}`, sink), 'done';
  }
  sink.emit(action(c.customerId, `${p.disputeId}:resolved:${cmd.commandId}`, event, 'DisputeRecorded', { disputeId: p.disputeId, invoiceId: p.invoiceId, businessDate: date, status: 'RESOLVED', amountMinor: dispute.amountMinor, currency: p.currency, outcome: p.outcome, creditedMinor: p.creditedMinor, commandId: cmd.commandId, actor: cmd.actor, reason: p.reason }));
  sink.emit({ topic: 'invoices', event: { eventId: `${p.disputeId}:resolved`, eventTime: at, customerId: c.customerId, causationId: event.eventId, type: 'DisputeResolved', payload: { invoiceId: p.invoiceId, disputeId: p.disputeId, outcome: p.outcome, creditedMinor: p.creditedMinor, currency: p.currency } } });
  return 'done';
}

/** The last day of the month before `date`'s. */
export function previousMonthEnd(date: string): string {
  return addDays(`${date.slice(0, 8)}01`, -1);
}

/**
 * Aging of the counted open balance on day `today` (a day number): current, then one bucket per period bound, then
 * beyond the last — the same buckets as the shared `agingOf`, without its allocations (it runs for every customer
 * with something open on every business day).
 */
export function agingBuckets(fold: CustomerState, today: number, periods: readonly number[], excluded: ReadonlySet<string> | null = null): { amounts: number[]; counts: number[] } {
  const amounts = new Array<number>(periods.length + 2).fill(0);
  const counts = new Array<number>(periods.length + 2).fill(0);
  // Bucket bounds as due dates (string comparisons, no date parsing per invoice): bucket i+1 holds due dates in
  // [today - periods[i], today - periods[i-1]), the last one anything older.
  const bounds = dueDateBounds(today, periods);
  const date = bounds[0] as string;
  for (const e of fold.open) {
    // Approved for write-off: out of the open balance at once (the InvoiceWrittenOff may not have come back yet).
    if (!e.counted || (excluded !== null && excluded.has(e.invoiceId))) continue;
    let b = 0;
    if (e.dueDate < date) {
      b = periods.length + 1;
      for (let i = 0; i < periods.length; i++) {
        if (e.dueDate >= (bounds[i + 1] as string)) {
          b = i + 1;
          break;
        }
      }
    }
    amounts[b] = (amounts[b] as number) + e.openMinor;
    counts[b] = (counts[b] as number) + 1;
  }
  return { amounts, counts };
}

let boundsKey = '';
let boundsValue: string[] = [];
/** [today, today - periods[0], today - periods[1], …] as dates, memoised for the day being run. */
function dueDateBounds(today: number, periods: readonly number[]): string[] {
  const key = `${today}:${periods.join(',')}`;
  if (key !== boundsKey) {
    boundsValue = [dateOfDay(today), ...periods.map((p) => dateOfDay(today - p))];
    boundsKey = key;
  }
  return boundsValue;
}

interface LetterCandidate {
  inv: InvoiceState;
  d: InvoiceDunning;
  daysOverdue: number;
}

/**
 * The daily run of one customer on business date `date` (a clock tick): promises kept or broken, collection starts
 * of newly overdue invoices, the letter ladder, interest for a period that closed (`periodEnd`), write-off
 * proposals, and the aging. Returns whether the customer's state changed (to be checkpointed).
 */
export function dailyRun(v: CustomerValue, date: string, periodEnd: string | null, cause: Cause, policy: CollectionPolicy, sink: Sink): boolean {
  const { fold, c } = v;
  const cid = c.customerId;
  let changed = false;
  const version = policyVersion(policy);
  const home = currencyOf(fold);

  // Promises: kept, or broken once past the date plus grace (then dunning resumes).
  for (const p of c.promises) {
    if (p.status !== 'OPEN') continue;
    const paid = reducedOn(fold, p.invoiceIds) - p.reducedBefore;
    const closed = p.invoiceIds.every((id) => findInvoice(fold, id)?.status !== 'OPEN');
    if (paid >= p.amountMinor || closed) {
      p.status = 'KEPT';
      sink.emit(action(cid, `${p.promiseId}:kept`, cause, 'PromiseKept', { promiseId: p.promiseId, businessDate: date, paidMinor: Math.max(0, paid), currency: p.currency }));
      changed = true;
    } else if (date > p.graceUntil) {
      p.status = 'BROKEN';
      sink.emit(action(cid, `${p.promiseId}:broken`, cause, 'PromiseBroken', { promiseId: p.promiseId, businessDate: date, invoiceIds: p.invoiceIds, promisedMinor: p.amountMinor, paidMinor: Math.max(0, paid), currency: p.currency, promisedDate: p.promisedDate }));
      changed = true;
    }
  }

  const { sequence, interest } = resolveFor(policy, cid, fold.registration?.segment ?? null);
  // Day numbers, not date strings, in the per-invoice loop: it runs for every open invoice every business day.
  const today = dayNumber(date);
  const newlyOverdue: InvoiceState[] = [];
  const candidates: LetterCandidate[] = [];
  /** Dunnable overdue balance per currency (for the levels' minimum). */
  const dunnable = new Map<string, number>();
  let nextDay = Infinity;
  let nextWhat = '';
  const consider = (day: number, what: string) => {
    if (day < nextDay) {
      nextDay = day;
      nextWhat = what;
    }
  };
  const promising = c.promises.length > 0;
  for (const e of fold.open) {
    if (e.dueDate >= date) break; // open is in due-date order: the rest are not overdue
    const inv = findInvoice(fold, e.invoiceId);
    if (inv === undefined || inv.status !== 'OPEN') continue;
    const d = dunningOf(c, inv.invoiceId);
    if (d.startedOn === null) {
      d.startedOn = date;
      changed = true;
      if (d.episodes === 0) newlyOverdue.push(inv);
    }
    // Not dunned while disputed, under a promise, or approved for write-off.
    if (inv.disputedNow) continue;
    if (d.proposalId !== null && c.proposals.find((x) => x.proposalId === d.proposalId)?.status === 'APPROVED') continue;
    const promise = promising ? underPromise(c, inv.invoiceId) : undefined;
    if (promise !== undefined) {
      consider(dayNumber(promise.graceUntil) + 1, 'promise due');
      continue;
    }
    dunnable.set(inv.currency, (dunnable.get(inv.currency) ?? 0) + inv.openMinor);
    const spec = sequence.levels[d.level];
    if (spec === undefined) continue;
    const dueOn = (d.level === 0 ? dayNumber(inv.dueDate) : dayNumber(d.lastLetterOn as string)) + spec.days;
    if (dueOn <= today) candidates.push({ inv, d, daysOverdue: today - dayNumber(inv.dueDate) });
    else consider(dueOn, `letter level ${d.level + 1}`);
  }

  if (newlyOverdue.length > 0) {
    const byCurrency = new Map<string, InvoiceState[]>();
    for (const inv of newlyOverdue) byCurrency.set(inv.currency, [...(byCurrency.get(inv.currency) ?? []), inv]);
    for (const [currency, list] of [...byCurrency].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      list.sort((a, b) => (a.invoiceId < b.invoiceId ? -1 : 1));
      const id = `${cid}:start:${date}:overdue${currency === home ? '' : `:${currency}`}`;
      sink.emit(action(cid, id, cause, 'CollectionStarted', { collectionId: id, businessDate: date, trigger: 'OVERDUE', invoiceIds: list.map((i) => i.invoiceId), amountMinor: list.reduce((s, i) => s + i.openMinor, 0), currency, pOnTime: null, modelVersion: null, topFactors: [], episode: 0, policyVersion: version }));
    }
  }

  // Letters: one per level (and currency) due today, listing each invoice at what is still open on it.
  if (candidates.length > 0) {
    const groups = new Map<string, LetterCandidate[]>();
    for (const cand of candidates) {
      const k = `${cand.d.level + 1}|${cand.inv.currency}`;
      groups.set(k, [...(groups.get(k) ?? []), cand]);
    }
    for (const k of [...groups.keys()].sort()) {
      const list = (groups.get(k) as LetterCandidate[]).sort((a, b) => (a.inv.invoiceId < b.inv.invoiceId ? -1 : 1));
      const level = (list[0] as LetterCandidate).d.level + 1;
      const currency = (list[0] as LetterCandidate).inv.currency;
      const spec = sequence.levels[level - 1];
      if (spec === undefined) continue;
      // Below the level's minimum the invoices wait (a later payment may make it unnecessary; a new overdue invoice may lift it).
      if ((dunnable.get(currency) ?? 0) < spec.minOverdueMinor) continue;
      const id = `${cid}:letter:${date}:${level}${currency === home ? '' : `:${currency}`}`;
      const lines = list.map((x) => ({ invoiceId: x.inv.invoiceId, dueDate: x.inv.dueDate, daysOverdue: x.daysOverdue, openMinor: x.inv.openMinor }));
      for (const x of list) {
        x.d.level = level;
        x.d.lastLetterOn = date;
      }
      c.feesMinor += spec.feeMinor;
      c.letters += 1;
      periodOf(c).letters.push({ letterId: id, businessDate: date, level, overdueMinor: lines.reduce((s, l) => s + l.openMinor, 0), feeMinor: spec.feeMinor });
      changed = true;
      sink.emit(action(cid, id, cause, 'CollectionLetterIssued', {
        letterId: id,
        businessDate: date,
        sequenceId: sequence.sequenceId,
        level,
        invoiceIds: lines.map((l) => l.invoiceId),
        maxDaysOverdue: Math.max(...lines.map((l) => l.daysOverdue)),
        overdueMinor: lines.reduce((s, l) => s + l.openMinor, 0),
        feeMinor: spec.feeMinor,
        currency,
        blocksAccount: spec.blocksAccount,
        lines,
        note: spec.note,
        policyVersion: version,
      }));
      const after = sequence.levels[level];
      if (after !== undefined) consider(today + after.days, `letter level ${level + 1}`);
      if (spec.blocksAccount) blockAccount(v, id, level, sequence.sequenceId, version, date, cause, sink);
    }
  }

  if (periodEnd !== null) changed = monthEnd(v, periodEnd, policy, sink) || changed;
  if (periodEnd !== null && interest !== null) changed = chargeInterest(v, periodEnd, interest, date, cause, version, home, sink) || changed;

  // Write-off proposals: long overdue and a low predicted recovery (or, without a prediction, nothing ever paid).
  const w = policy.writeOff;
  const lastDueForWriteOff = dueDateBounds(today, [w.minDaysOverdue])[1] as string;
  for (const e of fold.open) {
    if (e.dueDate > lastDueForWriteOff) break;
    const inv = findInvoice(fold, e.invoiceId);
    if (inv === undefined || inv.status !== 'OPEN' || inv.disputedNow) continue;
    const d = dunningOf(c, inv.invoiceId);
    if (d.proposalId !== null) continue;
    const pRecovery = d.prediction === null ? null : d.prediction.pOnTime + d.prediction.pLate;
    if (pRecovery === null ? inv.appliedMinor > 0 : pRecovery > w.maxPRecovery) continue;
    const proposalId = `${cid}:writeoff:${inv.invoiceId}`;
    const daysOverdue = daysBetween(inv.dueDate, date);
    const fourEyes = inv.openMinor > w.fourEyesAboveMinor;
    d.proposalId = proposalId;
    c.proposals.push({ proposalId, invoiceId: inv.invoiceId, amountMinor: inv.openMinor, currency: inv.currency, fourEyes, approvals: [], status: 'PROPOSED' });
    const reason = pRecovery === null
      ? `${daysOverdue} days overdue (>= ${w.minDaysOverdue}) and nothing paid, no prediction`
      : `${daysOverdue} days overdue (>= ${w.minDaysOverdue}) and predicted recovery ${pRecovery.toFixed(3)} <= ${w.maxPRecovery} (model ${d.prediction?.modelVersion})`;
    sink.emit(action(cid, proposalId, cause, 'WriteOffProposed', { proposalId, businessDate: date, invoiceId: inv.invoiceId, amountMinor: inv.openMinor, currency: inv.currency, daysOverdue, reason, pRecovery, fourEyes, policyVersion: version }));
    changed = true;
  }

  // Aging: kept when it changed (a day without a snapshot has the one before).
  const writtenOff = c.proposals.some((p) => p.status === 'APPROVED') ? new Set(c.proposals.filter((p) => p.status === 'APPROVED').map((p) => p.invoiceId)) : null;
  const { amounts, counts } = agingBuckets(fold, today, policy.agingPeriods, writtenOff);
  const before = c.aging;
  if (before === null || before.currency !== home || before.amounts.length !== amounts.length || before.amounts.some((a, i) => a !== amounts[i])) {
    c.aging = { asOf: date, currency: home, amounts, counts };
    sink.agingChanged?.(cid, c.aging);
    changed = true;
  }
  const nextAction = nextDay === Infinity ? null : { on: dateOfDay(nextDay), action: nextWhat };
  if (nextAction?.on !== c.nextAction?.on || nextAction?.action !== c.nextAction?.action) {
    c.nextAction = nextAction;
    changed = true;
  }
  return changed;
}

/**
 * A letter level that blocks the account: AccountStatusChanged (BLOCKED) on the customers topic, once — until the
 * account is seen re-activated after the request (the event comes back through the fold later live than in a
 * replay, so whether to ask again reads only what was asked and what the fold says since).
 *
 * It is stamped at the end of the run's day: the credit and fraud services decide the rest of that day's orders
 * without it and wait for this run only from the next day on (libs/streams `awaitsDailyRun`), so an order is never
 * held up by the feature → scoring → collections chain's daily work, and is decided live as in a replay.
 */
function blockAccount(v: CustomerValue, letterId: string, level: number, sequenceId: string, version: string, date: string, cause: Cause, sink: Sink): void {
  const account = v.fold.account;
  const asked = v.c.blockRequestedOn ?? null;
  if (account.status !== 'ACTIVE') return;
  if (asked !== null && !(account.changedOn !== null && account.changedOn > asked)) return;
  v.c.blockRequestedOn = date;
  sink.emit({
    topic: 'customers',
    event: {
      eventId: `${letterId}:block`,
      // The last millisecond of the run's day: before the next day's records, after that day's.
      eventTime: new Date(endOfDay(Date.parse(cause.eventTime)) - 1).toISOString(),
      customerId: v.c.customerId,
      causationId: cause.eventId,
      type: 'AccountStatusChanged',
      payload: { status: 'BLOCKED', previousStatus: 'ACTIVE', reason: `collection letter ${letterId} (level ${level} of sequence ${sequenceId}, policy ${version}) blocks the account`, changedBy: 'collections-service' },
    },
  });
}

function periodOf(c: CollectionsState): PeriodActions {
  // A state checkpointed before month-end statements existed has none.
  c.period ??= { letters: [], interest: [], fees: [] };
  return c.period;
}

/** The month-end statement as of `periodEnd` (for customers run that day), then the period's actions are forgotten. */
function monthEnd(v: CustomerValue, periodEnd: string, policy: CollectionPolicy, sink: Sink): boolean {
  const period = periodOf(v.c);
  if (sink.statement !== undefined && v.fold.open.length > 0) sink.statement(v.c.customerId, buildStatement(v.fold, period, periodEnd, policy));
  const after = (x: { businessDate: string }) => x.businessDate > periodEnd;
  const kept = { letters: period.letters.filter(after), interest: period.interest.filter(after), fees: period.fees.filter(after) };
  const changed = kept.letters.length !== period.letters.length || kept.interest.length !== period.interest.length || kept.fees.length !== period.fees.length;
  v.c.period = kept;
  return changed;
}

/** Interest of the period that ended on `periodEnd`, once per invoice and period, as one note. */
function chargeInterest(v: CustomerValue, periodEnd: string, code: NonNullable<ReturnType<typeof resolveFor>['interest']>, date: string, cause: Cause, version: string, home: string, sink: Sink): boolean {
  const { fold, c } = v;
  let changed = false;
  const byCurrency = new Map<string, InterestSegment[]>();
  for (const d of c.dunning) {
    if (d.interestThrough !== null && d.interestThrough >= periodEnd) continue;
    const inv = findInvoice(fold, d.invoiceId);
    if (inv === undefined) continue;
    const from = d.interestThrough === null ? addDays(inv.dueDate, 1) : addDays(d.interestThrough, 1);
    d.interestThrough = periodEnd;
    changed = true;
    // Closed before the period's charge starts: nothing to charge (an NSF return would have reopened it).
    if (inv.status === 'SETTLED' && (inv.settledOn as string) < from) continue;
    if (inv.status === 'WRITTEN_OFF' && (inv.writeOff?.writtenOffOn as string) < from) continue;
    // Approved for write-off: no interest from the approval on, whether or not the write-off has come back yet
    // (live it comes back later than in a replay, where it follows the approval at once).
    const approvedOn = d.proposalId === null ? null : (c.proposals.find((x) => x.proposalId === d.proposalId)?.approvedOn ?? null);
    const to = approvedOn !== null && approvedOn <= periodEnd ? addDays(approvedOn, -1) : periodEnd;
    if (to < from) continue;
    const segments = interestSegments(inv, code, from, to, d.interestMinor);
    if (segments.length === 0) continue;
    byCurrency.set(inv.currency, [...(byCurrency.get(inv.currency) ?? []), ...segments]);
  }
  for (const [currency, lines] of [...byCurrency].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const total = lines.reduce((s, l) => s + l.interestMinor, 0);
    if (total === 0 || total < code.minNoteMinor) continue;
    const noteId = `${c.customerId}:interest:${periodEnd}${currency === home ? '' : `:${currency}`}`;
    const perInvoice = new Map<string, number>();
    for (const l of lines) perInvoice.set(l.invoiceId, (perInvoice.get(l.invoiceId) ?? 0) + l.interestMinor);
    for (const [invoiceId, minor] of perInvoice) {
      const d = findDunning(c, invoiceId);
      if (d !== undefined) d.interestMinor += minor;
    }
    c.interestMinor += total;
    periodOf(c).interest.push({ noteId, businessDate: date, totalMinor: total });
    c.notes.push({ noteId, businessDate: date, currency, totalMinor: total, lines: [...perInvoice].map(([invoiceId, interestMinor]) => ({ invoiceId, interestMinor })), status: 'ISSUED' });
    if (c.notes.length > NOTE_MEMORY) c.notes.splice(0, c.notes.length - NOTE_MEMORY);
    sink.emit(action(c.customerId, noteId, cause, 'InterestNoteIssued', { noteId, businessDate: date, lines: lines.map((l) => ({ invoiceId: l.invoiceId, overdueMinor: l.overdueMinor, daysCharged: l.daysCharged, rateBasisPoints: l.rateBasisPoints, interestMinor: l.interestMinor })), totalInterestMinor: total, currency, interestCode: code.code, periodEnd, policyVersion: version }));
  }
  return changed;
}

/** True when a customer needs no daily run: nothing open, no open promise, aging already empty, no interest pending. */
export function idle(v: CustomerValue, periodEnd: string | null): boolean {
  const c = v.c;
  if (v.fold.open.length > 0) return false;
  if (c.promises.some((p) => p.status === 'OPEN')) return false;
  if (c.aging !== null && c.aging.amounts.some((a) => a !== 0)) return false;
  if (periodEnd !== null && c.dunning.some((d) => d.interestThrough === null || d.interestThrough < periodEnd)) return false;
  return true;
}
