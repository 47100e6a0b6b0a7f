import { PROBLEM_CODES } from './errors';
import { ROLES, type Role } from './tokens';

/**
 * The API's OpenAPI 3.1 document: the one description of every route, from which the router is built (a route
 * exists only when the document has it), requests are validated and, in tests, responses too. `x-roles` on an
 * operation lists the roles that may call it.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', description, ...extra });
const num = (description: string, extra: Schema = {}): Schema => ({ type: 'number', description, ...extra });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const nullable = (s: Schema): Schema => (typeof s.type === 'string' ? { ...s, type: [s.type, 'null'] } : { anyOf: [s, { type: 'null' }] });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required, additionalProperties: false });
const DATE = { type: 'string', format: 'date', description: 'Business date (YYYY-MM-DD).' } as const;
const ID = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\s/]+$' } as const;

const money = (what: string) => int(`${what}, in minor units of the currency (e.g. cents).`);

const SUMMARY: Record<string, Schema> = {
    customerId: str('Customer id.'),
    name: nullable(str('Registered name.')),
    segment: nullable(str('Segment.')),
    currency: nullable(str('The customer\'s currency.')),
    accountStatus: { type: 'string', enum: ['ACTIVE', 'BLOCKED', 'CLOSED'] },
    asOf: DATE,
    openBalanceMinor: money('Open balance'),
    overdueMinor: money('Overdue balance'),
    atRiskInvoiceCount: int('Open invoices flagged at risk.'),
    highLateBalance: bool('Expected late + very late exceeds the configured share of the open balance.'),
    expectedPayments: { oneOf: [ref('ExpectedPayments'), { type: 'null' }] },
};

const schemas: Record<string, Schema> = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details with a stable `code`.',
    properties: {
      type: str('URI naming the problem type.'),
      title: str('Short summary of the problem type.'),
      status: int('HTTP status.'),
      code: { type: 'string', enum: Object.keys(PROBLEM_CODES), description: 'Stable machine-readable code.' },
      detail: str('What was wrong, with the offending values.'),
      instance: str('The request path.'),
      invalidParams: {
        type: 'array',
        items: obj({ in: { type: 'string', enum: ['path', 'query', 'header', 'body'] }, name: str('Parameter name or JSON pointer into the body.'), reason: str('Why it is invalid.') }),
      },
    },
    required: ['type', 'title', 'status', 'code', 'detail'],
  },
  Principal: obj({ tokenId: str('Token id (not the token).'), name: str('Name given at creation.'), role: { type: 'string', enum: [...ROLES] } }),
  Factor: obj({ feature: str('Feature name.'), value: nullable(num('Feature value; null when missing.')), contribution: num('Contribution to the late-side score (positive pushes towards late).') }),
  Prediction: obj({
    pOnTime: num('P(paid on time).', { minimum: 0, maximum: 1 }),
    pLate: num('P(paid late).', { minimum: 0, maximum: 1 }),
    pVeryLate: num('P(paid very late).', { minimum: 0, maximum: 1 }),
    bucket: { type: 'string', enum: ['ON_TIME', 'LATE', 'VERY_LATE'], description: 'Predicted bucket.' },
    atRisk: bool('Red flag: P(on time) below the at-risk threshold.'),
    topFactors: { type: 'array', items: ref('Factor') },
    modelVersion: str('Model version that predicted it.'),
    businessDate: DATE,
  }),
  OpenInvoice: obj({
    customerId: str('Customer id.'),
    invoiceId: str('Invoice id.'),
    invoiceDate: DATE,
    dueDate: DATE,
    currency: str('ISO 4217 currency.'),
    amountMinor: money('Invoice amount'),
    openMinor: money('Open amount'),
    disputed: bool('Disputed now.'),
    prediction: { oneOf: [ref('Prediction'), { type: 'null' }], description: 'Current prediction; null until the scoring service predicted it.' },
  }),
  ExpectedPayments: obj({
    currency: str('ISO 4217 currency of every amount.'),
    openBalanceMinor: money('Open balance'),
    onTimeMinor: money('Expected on-time part (Σ open × P(on time))'),
    lateMinor: money('Expected late part'),
    veryLateMinor: money('Expected very-late part'),
    openInvoiceCount: int('Open invoices.'),
    atRiskInvoiceCount: int('Open invoices flagged at risk.'),
  }),
  CustomerSummary: obj(SUMMARY),
  SettledInvoice: obj({ invoiceId: str('Invoice id.'), invoiceDate: DATE, dueDate: DATE, settledOn: DATE, amountMinor: money('Amount'), currency: str('Currency.'), daysLate: int('Days after the due date it was settled (negative: early).') }),
  ReturnedPayment: obj({ paymentId: str('Payment id.'), returnedOn: DATE, reason: str('NSF, ACCOUNT_CLOSED, PAYMENT_STOPPED or OTHER.'), amountMinor: money('Amount'), feeMinor: money('Fee charged') }),
  Dispute: obj({ invoiceId: str('Invoice id.'), disputeId: str('Dispute id.'), amountMinor: money('Disputed amount'), reason: str('Reason.'), openedOn: DATE, resolvedOn: nullable({ ...DATE }), outcome: nullable(str('Outcome once resolved.')) }),
  CustomerDetail: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...SUMMARY,
      stateOfBusiness: obj({
        openBalanceMinor: money('Open balance'),
        openInvoiceCount: int('Open invoices.'),
        overdueMinor: money('Overdue balance'),
        overdueInvoiceCount: int('Overdue invoices.'),
        maxDaysOverdue: nullable(int('Days the oldest overdue invoice is past due.')),
        creditLimitMinor: nullable(money('Credit limit in force')),
        creditLimitUnlimited: bool('Unlimited credit.'),
        creditUtilisation: nullable(num('Open balance / credit limit.')),
      }),
      paymentHistory: obj({
        settledInvoiceCount: int('Settled invoices, all time.'),
        shareLate: nullable(num('Share of settled invoices paid late, all time.')),
        shareVeryLate: nullable(num('Share paid very late, all time.')),
        meanDaysLate: nullable(num('Mean days late, all time.')),
        recentSettled: { type: 'array', items: ref('SettledInvoice'), description: 'The most recent settled invoices, newest first.' },
        returnedPayments: { type: 'array', items: ref('ReturnedPayment') },
        nsfCount: int('Payments returned for insufficient funds.'),
        disputes: { type: 'array', items: ref('Dispute') },
      }),
      openInvoices: { type: 'array', items: ref('OpenInvoice') },
      credit: { anyOf: [ref('CustomerCredit'), { type: 'null' }], description: 'Limit, exposure, holds and pending adjustments from the credit service; null until it has a view of the customer.' },
      collections: { anyOf: [ref('CustomerCollections'), { type: 'null' }], description: 'Aging, letters, promises, next action from the collections service; null until it has a view of the customer.' },
    },
    required: [...Object.keys(SUMMARY), 'stateOfBusiness', 'paymentHistory', 'openInvoices', 'credit', 'collections'],
  },
  RuleFired: {
    type: 'object',
    description: 'A credit rule that holds the order, with the values it compared.',
    properties: { ruleId: str('Rule id.'), ruleType: str('Rule type, e.g. credit-limit-exceeded.'), scope: str('Where it was configured.'), message: str('What it compared.'), inputs: { type: 'object', additionalProperties: { type: 'string' } } },
    required: ['ruleId', 'ruleType', 'message', 'inputs'],
  },
  CreditHold: {
    type: 'object',
    description: 'An order on the credit hold list.',
    properties: {
      orderId: str('Held order.'),
      holdId: str('Hold id.'),
      amountMinor: money('Order amount'),
      currency: str('Currency.'),
      heldAt: str('Business time the hold began.'),
      reasons: { type: 'array', items: { type: 'string' }, description: 'Rule types that hold it now (credit-limit-exceeded, fraud-review, manual-hold, …).' },
      rules: { type: 'array', items: ref('RuleFired') },
      forced: bool('A person\'s forced hold: never released automatically.'),
      fraudCheckId: nullable(str('The fraud check considered.')),
      customerId: str('Customer id (in the hold list).'),
      customerName: nullable(str('Registered name (in the hold list).')),
    },
    required: ['orderId', 'holdId', 'amountMinor', 'currency', 'heldAt', 'reasons', 'rules', 'forced'],
  },
  CustomerCredit: {
    type: 'object',
    description: 'The credit service\'s view of the customer: limit, exposure, account, holds, pending limit adjustments.',
    properties: {
      customerId: str('Customer id.'),
      accountStatus: { type: 'string', enum: ['ACTIVE', 'BLOCKED', 'CLOSED'] },
      currency: nullable(str('Currency.')),
      limit: { type: ['object', 'null'], description: 'Limit in force (type, amount, unlimited, temporary, expiry).' },
      balanceMinor: money('Open balance'),
      openOrdersMinor: money('Open orders'),
      overdueMinor: money('Overdue balance'),
      holds: { type: 'array', items: ref('CreditHold') },
      pendingAdjustments: { type: 'array', items: { type: 'object' }, description: 'Limit adjustments waiting for a second person.' },
    },
    required: ['customerId', 'accountStatus', 'balanceMinor', 'holds', 'pendingAdjustments'],
  },
  CustomerCollections: {
    type: 'object',
    description: 'The collections service\'s view of the customer: aging, letters, promises, disputes, fees, interest, next action.',
    properties: {
      customerId: str('Customer id.'),
      segment: nullable(str('Segment.')),
      currency: str('Currency.'),
      aging: { type: ['object', 'null'], description: 'Aging buckets as of the last business day.' },
      overdueMinor: money('Overdue balance'),
      openMinor: money('Open balance'),
      expectedLateMinor: money('Expected late part'),
      expectedVeryLateMinor: money('Expected very-late part'),
      nextAction: { type: ['object', 'null'], description: 'The next step and when it is due.' },
      letters: int('Collection letters issued.'),
      highestLevel: int('Highest letter level reached.'),
      openPromises: int('Open promises to pay.'),
      openDisputes: int('Open disputes.'),
      feesMinor: money('Fees charged'),
      interestMinor: money('Interest charged'),
      policyVersion: str('Collection policy version.'),
    },
    required: ['customerId', 'overdueMinor', 'openMinor', 'letters', 'openPromises', 'openDisputes', 'policyVersion'],
  },
  WorklistRow: {
    type: 'object',
    description: 'A customer on the collections worklist.',
    properties: { rank: int('Rank (1 = most expected late money).'), customerId: str('Customer id.'), name: nullable(str('Registered name.')), expectedLateTotalMinor: money('Expected late + very late amount'), overdueMinor: money('Overdue balance'), openMinor: money('Open balance'), highestLevel: int('Highest letter level.'), openPromises: int('Open promises.'), nextAction: { type: ['object', 'null'] } },
    required: ['rank', 'customerId', 'expectedLateTotalMinor', 'overdueMinor', 'openMinor'],
  },
  ModelSummary: {
    type: 'object',
    description: 'A registered model version (see the registry): id, algorithm, features, data range, holdout metrics.',
    properties: {
      version: str('Version (v1, v2, …).'),
      modelId: str('Model id.'),
      algorithm: str('lightgbm-multiclass or the cold-start model.'),
      createdAt: str('When it was registered.'),
      active: bool('The latest publication names it.'),
      metrics: { type: ['object', 'null'], description: 'Holdout metrics (accuracy, macroF1, logLoss, brier, calibrationError, rows, …).' },
    },
    required: ['version', 'modelId', 'algorithm', 'createdAt', 'active'],
  },
  Publication: obj({ sequence: int('Publication number.'), modelId: str('Model id.'), version: str('Published version.'), publishedBy: str('Actor.'), businessTime: str('Business time of the publication.'), publishedAt: str('Wall-clock time.'), eventId: str('Id of the model-published event.') }),
  Letter: {
    type: 'object',
    description: 'A collection letter the collections service issued (CollectionLetterIssued).',
    properties: {
      customerId: str('Customer id.'),
      letterId: str('Letter id.'),
      businessDate: DATE,
      sequenceId: str('Letter sequence.'),
      level: int('Level (1–5).'),
      invoiceIds: { type: 'array', items: { type: 'string' } },
      maxDaysOverdue: int('Days the oldest invoice on it is overdue.'),
      overdueMinor: money('Overdue amount dunned'),
      feeMinor: money('Fee charged'),
      currency: str('Currency.'),
      blocksAccount: bool('This level blocks the account.'),
      lines: { type: 'array', items: { type: 'object' }, description: 'One line per invoice (due date, days overdue, open amount).' },
      note: str('The letter text.'),
      policyVersion: str('Collection policy version.'),
    },
    required: ['customerId', 'letterId', 'businessDate', 'level', 'invoiceIds', 'overdueMinor', 'feeMinor', 'currency', 'policyVersion'],
  },
  InterestNote: {
    type: 'object',
    description: 'An interest note (InterestNoteIssued) with its current status and the changes people made to it.',
    properties: {
      customerId: str('Customer id.'),
      noteId: str('Note id (waive / reinstate / reverse name it).'),
      businessDate: DATE,
      lines: { type: 'array', items: { type: 'object' }, description: 'Per invoice: overdue amount, days charged, rate, interest.' },
      totalInterestMinor: money('Interest charged'),
      currency: str('Currency.'),
      interestCode: str('Interest code of the policy.'),
      periodEnd: nullable({ ...DATE }),
      policyVersion: str('Collection policy version.'),
      status: { type: 'string', enum: ['ISSUED', 'WAIVED', 'REVERSED'], description: 'In force, waived or reversed now.' },
      changes: { type: 'array', items: obj({ status: str('WAIVED, REINSTATED or REVERSED.'), businessDate: DATE, actor: str('Who.'), reason: str('Why.'), commandId: str('The command.') }) },
    },
    required: ['customerId', 'noteId', 'businessDate', 'totalInterestMinor', 'currency', 'status', 'changes'],
  },
  RuleSetVersion: obj({
    version: str('Rule set version.'),
    sha256: str('SHA-256 of the document.'),
    effectiveAt: str('Business time from which it applies.'),
    publishedBy: str('Who published it.'),
    ruleCount: nullable(int('Rules in the document.')),
    partitions: { type: 'array', items: { type: 'integer' }, description: 'Partitions of the rules topic it was seen on.' },
  }),
  WhatIfSummary: {
    type: 'object',
    description: 'A what-if replay of a candidate rule set against the decisions made (`creditstream credit replay`).',
    properties: {
      reportId: str('Report id.'),
      ruleSetVersion: str('Candidate version.'),
      ruleSetSha256: str('Candidate SHA-256.'),
      ranBy: str('Who ran it.'),
      ranAt: str('When (wall clock).'),
      eventTime: str('Business time of the end of the history replayed.'),
      from: nullable({ ...DATE }),
      to: nullable({ ...DATE }),
      eventsReplayed: int('Input events replayed.'),
      decisionsMade: int('Orders with a decision made.'),
      ordersCompared: int('Orders compared.'),
      actualHeld: int('Held by the decisions made.'),
      candidateHeld: int('Held by the candidate.'),
      heldValues: { type: 'array', items: obj({ currency: str('Currency.'), actualMinor: money('Held value made'), candidateMinor: money('Held value of the candidate') }) },
      meanHoldDaysActual: num('Mean hold days made.'),
      meanHoldDaysCandidate: num('Mean hold days of the candidate.'),
      rules: { type: 'array', items: obj({ ruleId: str('Rule.'), currency: str('Currency of the orders counted (per rule and currency: amounts of different currencies are never added up).'), newlyHeld: int('Orders newly held.'), newlyHeldMinor: money('Their value'), newlyApproved: int('Orders newly approved.'), newlyApprovedMinor: money('Their value') }) },
      differencesTotal: int('Orders whose outcome differs.'),
    },
    required: ['reportId', 'ruleSetVersion', 'ruleSetSha256', 'ranBy', 'ranAt', 'ordersCompared', 'actualHeld', 'candidateHeld', 'rules', 'differencesTotal'],
  },
  CommandAccepted: obj({ commandId: str('Id of the command; GET /api/commands/{commandId} shows its outcome.'), status: { type: 'string', enum: ['accepted'] }, topic: str('Topic it was produced to.') }),
  Command: obj({
    commandId: str('Command id.'),
    type: str('Command type, e.g. ReleaseCreditHold.'),
    topic: str('Topic it was produced to.'),
    customerId: str('Customer it is about.'),
    actor: str('Who sent it (token name and role).'),
    payload: { type: 'object', description: 'The command as produced.' },
    status: { type: 'string', enum: ['accepted', 'effected', 'refused'], description: 'accepted: produced, no outcome yet; effected: the owning service carried it out; refused: it refused it (reason).' },
    acceptedAt: str('When the API accepted it (wall clock).'),
    outcome: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: { eventId: str('Outcome event id.'), type: str('Outcome event type.'), eventTime: str('Its business time.'), reasonCode: nullable(str('Refusal reason code.')), message: nullable(str('Refusal explanation.')), at: str('When the API saw it (wall clock).') },
      required: ['eventId', 'type', 'eventTime', 'reasonCode', 'message', 'at'],
    },
  }),
};

const page = (item: string): Schema => obj({ items: { type: 'array', items: ref(item) }, nextCursor: nullable(str('Pass as `cursor` for the next page; null on the last page.')), total: int('Items matching the filters (all pages).') });

/** Parameters, each a small schema without references (they are validated with type coercion). */
const P = {
  limit: { name: 'limit', in: 'query', required: false, description: 'Items per page (default from INSIGHTS_API_PAGE_LIMIT).', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
  cursor: { name: 'cursor', in: 'query', required: false, description: 'The `nextCursor` of the previous page.', schema: { type: 'string', minLength: 1, maxLength: 2000 } },
  customerId: { name: 'customerId', in: 'path', required: true, description: 'Customer id.', schema: { ...ID } },
  orderId: { name: 'orderId', in: 'path', required: true, description: 'Order id.', schema: { ...ID } },
  adjustmentId: { name: 'adjustmentId', in: 'path', required: true, description: 'Adjustment id.', schema: { ...ID } },
  version: { name: 'version', in: 'path', required: true, description: 'Model version, e.g. v3.', schema: { type: 'string', pattern: '^v[0-9]+$' } },
  commandId: { name: 'commandId', in: 'path', required: true, description: 'Command id.', schema: { ...ID } },
  noteId: { name: 'noteId', in: 'path', required: true, description: 'Interest note id.', schema: { ...ID } },
  proposalId: { name: 'proposalId', in: 'path', required: true, description: 'Write-off proposal id.', schema: { ...ID } },
  disputeId: { name: 'disputeId', in: 'path', required: true, description: 'Dispute id.', schema: { ...ID } },
  ruleSetVersion: { name: 'ruleSetVersion', in: 'path', required: true, description: 'Credit rule set version.', schema: { ...ID } },
  reportId: { name: 'reportId', in: 'path', required: true, description: 'What-if report id.', schema: { ...ID } },
  customerFilter: { name: 'customerId', in: 'query', required: false, description: 'Only this customer\'s.', schema: { ...ID } },
} as const;

const json = (schema: Schema) => ({ 'application/json': { schema } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const COMMON_ERRORS = { '400': problem('Invalid request (the problem names each invalid parameter).'), '401': problem('No or unknown bearer token.'), '403': problem('The token\'s role may not call this route.'), '429': problem('Too many failed authentications from this client in the last minute (INSIGHTS_API_AUTH_FAILURES_PER_MINUTE); the Retry-After header says in how many seconds to try again.') };

const READERS: readonly Role[] = ROLES;
const CREDIT_WRITERS: readonly Role[] = ['credit-manager', 'admin'];
const COLLECTORS: readonly Role[] = ['collector', 'admin'];
const ADMINS: readonly Role[] = ['admin'];

interface OperationSpec {
  operationId: string;
  summary: string;
  tags: string[];
  roles: readonly Role[];
  parameters?: readonly object[];
  body?: Schema;
  ok: { status: string; description: string; content: object } | { status: '304'; description: string };
  notFound?: string;
  etag?: boolean;
}

const get = (operationId: string, summary: string, tag: string, parameters: readonly object[], schema: Schema, notFound?: string): OperationSpec => ({
  operationId,
  summary,
  tags: [tag],
  roles: READERS,
  parameters,
  ok: { status: '200', description: 'OK (with an ETag; If-None-Match answers 304).', content: json(schema) },
  etag: true,
  ...(notFound ? { notFound } : {}),
});

const command = (operationId: string, summary: string, parameters: readonly object[], body: Schema, roles: readonly Role[] = CREDIT_WRITERS, tag = 'credit'): OperationSpec => ({
  operationId,
  summary,
  tags: [tag],
  roles,
  parameters,
  body,
  ok: { status: '202', description: 'Accepted: produced to the owning service\'s command topic. GET /api/commands/{commandId} shows when it took effect or why it was refused.', content: json(ref('CommandAccepted')) },
});

const reason = str('Why (kept with the command and the outcome).', { minLength: 1, maxLength: 500 });

/** Every operation, by path and method. */
export const OPERATIONS: Record<string, Record<string, OperationSpec>> = {
  '/api/me': { get: get('getMe', 'The caller\'s token: id, name, role.', 'auth', [], ref('Principal')) },
  '/api/customers': {
    get: get(
      'listCustomers',
      'Search and list customers, by customer id.',
      'customers',
      [
        { name: 'q', in: 'query', required: false, description: 'Text in the customer id or name (case-insensitive).', schema: { type: 'string', minLength: 1, maxLength: 100 } },
        { name: 'segment', in: 'query', required: false, description: 'Only this segment.', schema: { type: 'string', minLength: 1, maxLength: 100 } },
        { name: 'highLateBalance', in: 'query', required: false, description: 'Only customers with (true) or without (false) a high late balance.', schema: { type: 'boolean' } },
        { name: 'atRiskMin', in: 'query', required: false, description: 'Only customers with at least this many at-risk invoices.', schema: { type: 'integer', minimum: 0 } },
        { name: 'blocked', in: 'query', required: false, description: 'Only blocked or closed accounts (true) or only active ones (false).', schema: { type: 'boolean' } },
        P.limit,
        P.cursor,
      ],
      page('CustomerSummary'),
    ),
  },
  '/api/customers/{customerId}': { get: get('getCustomer', 'A customer: state of business, open invoices with predictions and factors, payment history.', 'customers', [P.customerId], ref('CustomerDetail'), 'No such customer.') },
  '/api/customers/{customerId}/expected-payments': { get: get('getCustomerExpectedPayments', 'A customer\'s expected payments per bucket.', 'invoices', [P.customerId], ref('ExpectedPayments'), 'No such customer, or it has no currency yet.') },
  '/api/invoices': {
    get: get(
      'listInvoices',
      'Open invoices with their predictions, by (customerId, invoiceId).',
      'invoices',
      [
        { name: 'customerId', in: 'query', required: false, description: 'Only this customer\'s.', schema: { ...ID } },
        { name: 'bucket', in: 'query', required: false, description: 'Only invoices predicted in this bucket.', schema: { type: 'string', enum: ['ON_TIME', 'LATE', 'VERY_LATE'] } },
        { name: 'atRisk', in: 'query', required: false, description: 'Only flagged (true) or unflagged (false) invoices.', schema: { type: 'boolean' } },
        P.limit,
        P.cursor,
      ],
      page('OpenInvoice'),
    ),
  },
  '/api/invoices/at-risk': { get: get('listAtRiskInvoices', 'The at-risk invoices (red flags), lowest P(on time) first.', 'invoices', [P.limit, P.cursor], page('OpenInvoice')) },
  '/api/expected-payments': { get: get('getExpectedPayments', 'Company-wide expected payments per bucket, one entry per currency.', 'invoices', [], obj({ businessDate: nullable({ ...DATE }), currencies: { type: 'array', items: ref('ExpectedPayments') } })) },
  '/api/models': { get: get('listModels', 'Model versions, oldest first, and the active one.', 'models', [], obj({ active: nullable(ref('Publication')), versions: { type: 'array', items: ref('ModelSummary') } })) },
  '/api/models/{version}': { get: get('getModel', 'One model version with its holdout metrics and baselines.', 'models', [P.version], ref('ModelSummary'), 'No such version.') },
  '/api/models/{version}/report': {
    get: { ...get('getModelReport', 'The model report (HTML).', 'models', [P.version], { type: 'string' }, 'No such version.'), ok: { status: '200', description: 'The report page.', content: { 'text/html': { schema: { type: 'string' } } } } },
  },
  '/api/models/{version}/charts': {
    get: get(
      'getModelCharts',
      'The data of the model report\'s charts (feature importance, reliability, early-stopping curves, confusion matrix), drawn by the dashboard with its chart library.',
      'models',
      [P.version],
      obj({
        classes: { type: 'array', items: { type: 'string' } },
        importance: { type: 'array', items: obj({ feature: str('Feature.'), meanAbsShap: num('Mean |SHAP| over explained holdout rows.'), gain: num('Total split gain.') }) },
        reliability: { type: 'array', items: obj({ meanPredicted: num('Mean predicted probability in the bin.'), observed: num('Observed share.'), count: int('Rows.') }), description: 'Confidence reliability bins (non-empty ones).' },
        evalHistory: { type: 'object', additionalProperties: { type: 'array', items: { type: 'number' } }, description: 'Validation metric per boosting round (early stopping).' },
        confusion: { anyOf: [{ type: 'array', items: { type: 'array', items: { type: 'integer' } } }, { type: 'null' }], description: '`confusion[actual][predicted]` on the holdout.' },
      }),
      'No such version.',
    ),
  },
  '/api/models/{version}/publish': {
    post: {
      operationId: 'publishModel',
      summary: 'Publish a version as a command (PublishModel, audited with its actor): it becomes the active model, the model-published event names the command as its cause, and scoring services hot-reload it. GET /api/commands/{commandId} shows the publication event.',
      tags: ['models'],
      roles: ADMINS,
      parameters: [P.version],
      ok: { status: '202', description: 'Accepted. GET /api/commands/{commandId} shows the model-published event (effected) or why it was refused.', content: json(ref('CommandAccepted')) },
      notFound: 'No such version.',
    },
  },
  '/api/commands': { get: { ...get('listCommands', 'The audit trail: every command the API sent, newest first, with its actor and outcome.', 'commands', [P.limit, P.cursor], page('Command')), roles: ADMINS } },
  '/api/commands/{commandId}': { get: get('getCommand', 'A command and its outcome: accepted, effected or refused (with the reason).', 'commands', [P.commandId], ref('Command'), 'No such command.') },
  '/api/collections/worklist': {
    get: get('getCollectionsWorklist', 'The collections worklist: customers with something open, most expected late money first.', 'collections', [{ name: 'segment', in: 'query', required: false, description: 'Only this segment.', schema: { type: 'string', minLength: 1, maxLength: 100 } }, P.limit, P.cursor], page('WorklistRow')),
  },
  '/api/collections/customers/{customerId}/statements': {
    get: get('listStatements', 'The customer\'s month-end account statements (dates; each one as HTML or PDF below).', 'collections', [P.customerId], { type: 'array', items: obj({ asOf: DATE, html: str('Link to the HTML statement.'), pdf: str('Link to the PDF statement.') }) }),
  },
  '/api/collections/customers/{customerId}/statements/{asOf}': {
    get: {
      ...get('getStatement', 'One account statement as HTML (default) or PDF (`format=pdf`).', 'collections', [P.customerId, { name: 'asOf', in: 'path', required: true, description: 'Statement date.', schema: { type: 'string', format: 'date' } }, { name: 'format', in: 'query', required: false, description: 'html (default) or pdf.', schema: { type: 'string', enum: ['html', 'pdf'] } }], { type: 'string' }, 'No statement of that customer on that date.'),
      ok: { status: '200', description: 'The statement.', content: { 'text/html': { schema: { type: 'string' } }, 'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } } } },
    },
  },
  '/api/collections/customers/{customerId}/promises': {
    post: command(
      'recordPromiseToPay',
      'Record a promise to pay (PromiseToPay); a promise not kept by its date is marked broken.',
      [P.customerId],
      obj({ invoiceIds: { type: 'array', items: { ...ID }, minItems: 1, maxItems: 100, uniqueItems: true }, amountMinor: int('Promised amount in minor units.', { minimum: 1 }), currency: str('ISO 4217 currency.', { pattern: '^[A-Z]{3}$' }), promisedDate: DATE }),
      COLLECTORS,
      'collections',
    ),
  },
  '/api/collections/customers/{customerId}/interest-notes/{noteId}/waive': { post: command('waiveInterest', 'Waive an interest note (WaiveInterest).', [P.customerId, P.noteId], obj({ reason }), COLLECTORS, 'collections') },
  '/api/collections/customers/{customerId}/interest-notes/{noteId}/reinstate': { post: command('reinstateInterest', 'Reinstate a waived interest note (ReinstateInterest).', [P.customerId, P.noteId], obj({ reason }), COLLECTORS, 'collections') },
  '/api/collections/customers/{customerId}/interest-notes/{noteId}/reverse': { post: command('reverseInterest', 'Reverse an interest note (ReverseInterest).', [P.customerId, P.noteId], obj({ reason }), COLLECTORS, 'collections') },
  '/api/collections/customers/{customerId}/write-offs/{proposalId}/approve': { post: command('approveWriteOff', 'Approve a write-off proposal; above the threshold a second approver is needed (ApproveWriteOff).', [P.customerId, P.proposalId], obj({ reason }), COLLECTORS, 'collections') },
  '/api/collections/letters': {
    get: get('listCollectionLetters', 'Collection letters, company-wide or of one customer, latest first.', 'collections', [P.customerFilter, { name: 'level', in: 'query', required: false, description: 'Only this level.', schema: { type: 'integer', minimum: 1, maximum: 5 } }, P.limit, P.cursor], page('Letter')),
  },
  '/api/collections/interest-notes': {
    get: get('listInterestNotes', 'Interest notes with their status, company-wide or of one customer, latest first.', 'collections', [P.customerFilter, { name: 'status', in: 'query', required: false, description: 'Only notes in this status.', schema: { type: 'string', enum: ['ISSUED', 'WAIVED', 'REVERSED'] } }, P.limit, P.cursor], page('InterestNote')),
  },
  '/api/collections/customers/{customerId}/disputes': {
    post: command(
      'openDispute',
      'Open a dispute on an open invoice (OpenDispute): the collections service records it on the invoices topic and pauses letters and interest on the invoice.',
      [P.customerId],
      obj({ invoiceId: { ...ID }, amountMinor: int('Disputed amount in minor units, at most the open amount.', { minimum: 1 }), currency: str('ISO 4217 currency of the invoice.', { pattern: '^[A-Z]{3}$' }), reason }),
      COLLECTORS,
      'collections',
    ),
  },
  '/api/collections/customers/{customerId}/disputes/{disputeId}/resolve': {
    post: command(
      'resolveDispute',
      'Resolve an open dispute (ResolveDispute): letters and interest resume on what is still open. A credit note for a credited dispute comes from accounts receivable.',
      [P.customerId, P.disputeId],
      obj({ invoiceId: { ...ID }, outcome: { type: 'string', enum: ['UPHELD', 'CREDITED', 'PARTIALLY_CREDITED', 'WITHDRAWN'] }, creditedMinor: int('Amount credited in minor units (0 when upheld or withdrawn).', { minimum: 0 }), currency: str('ISO 4217 currency of the invoice.', { pattern: '^[A-Z]{3}$' }), reason }),
      COLLECTORS,
      'collections',
    ),
  },
  '/api/credit/rule-sets': {
    get: get('listCreditRuleSets', 'Credit rule set versions published, latest effective first.', 'credit', [P.limit, P.cursor], page('RuleSetVersion')),
  },
  '/api/credit/rule-sets/{ruleSetVersion}': {
    get: get('getCreditRuleSet', 'One credit rule set version with its document.', 'credit', [P.ruleSetVersion], { type: 'object', properties: { ...(schemas.RuleSetVersion as { properties: Record<string, Schema> }).properties, document: { description: 'The rule set document (JSON).' } }, required: ['version', 'sha256', 'effectiveAt', 'publishedBy', 'ruleCount', 'partitions', 'document'], additionalProperties: false }, 'No such version.'),
  },
  '/api/credit/what-if': {
    get: get('listWhatIfReports', 'What-if replays of candidate rule sets (`creditstream credit replay`), latest run first.', 'credit', [P.limit, P.cursor], page('WhatIfSummary')),
  },
  '/api/credit/what-if/{reportId}': {
    get: get('getWhatIfReport', 'One what-if report with the first orders whose outcome differs.', 'credit', [P.reportId], { allOf: [ref('WhatIfSummary')], type: 'object', properties: { differences: { type: 'array', items: { type: 'object' }, description: 'Orders whose outcome differs (the first 1,000).' } }, required: ['differences'] }, 'No such report.'),
  },
  '/api/credit/holds': {
    get: get(
      'listCreditHolds',
      'The credit hold list, latest hold first, with the rules that hold each order.',
      'credit',
      [{ name: 'customerId', in: 'query', required: false, description: 'Only this customer\'s holds.', schema: { ...ID } }, P.limit, P.cursor],
      page('CreditHold'),
    ),
  },
  '/api/credit/customers/{customerId}/holds/{orderId}/release': {
    post: command('releaseCreditHold', 'Release a held order (ReleaseCreditHold).', [P.customerId, P.orderId], obj({ reason, recheck: bool('Release only if no blocking rule fires now.'), reviewDate: nullable({ ...DATE }) }, ['reason'])),
  },
  '/api/credit/customers/{customerId}/holds/{orderId}/reject': { post: command('rejectCreditHold', 'Reject a held order (RejectCreditHold).', [P.customerId, P.orderId], obj({ reason })) },
  '/api/credit/customers/{customerId}/holds/{orderId}/force': { post: command('placeCreditHold', 'Put an order on a forced hold, never released automatically (PlaceCreditHold).', [P.customerId, P.orderId], obj({ reason })) },
  '/api/credit/customers/{customerId}/limit-adjustments': {
    post: command(
      'requestCreditLimitAdjustment',
      'Request a credit limit adjustment by an amount or a percentage (RequestCreditLimitAdjustment); above the threshold it waits for a second person.',
      [P.customerId],
      {
        ...obj(
          {
            changeMinor: int('Change of the limit in minor units (exclusive with changePercent).'),
            changePercent: num('Change in percent of the limit in force (exclusive with changeMinor).', { minimum: -100, maximum: 1000 }),
            currency: str('ISO 4217 currency; must be the customer\'s.', { pattern: '^[A-Z]{3}$' }),
            temporary: bool('Temporary until expiresOn.'),
            expiresOn: nullable({ ...DATE }),
            reason,
          },
          ['currency', 'reason'],
        ),
        oneOf: [{ required: ['changeMinor'] }, { required: ['changePercent'] }],
      },
    ),
  },
  '/api/credit/customers/{customerId}/limit-adjustments/{adjustmentId}/approve': { post: command('approveCreditLimitAdjustment', 'Approve a pending adjustment; the approver must not be its requester (ApproveCreditLimitAdjustment).', [P.customerId, P.adjustmentId], obj({})) },
  '/api/credit/customers/{customerId}/block': { post: command('blockAccount', 'Block the customer\'s account (BlockAccount).', [P.customerId], obj({ reason })) },
  '/api/credit/customers/{customerId}/close': { post: command('closeAccount', 'Close the customer\'s account (CloseAccount).', [P.customerId], obj({ reason })) },
  '/api/credit/customers/{customerId}/reactivate': { post: command('reactivateAccount', 'Reactivate a blocked or closed account (ReactivateAccount).', [P.customerId], obj({ reason })) },
};

/** The OpenAPI 3.1 document served at /openapi.json. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const responses: Record<string, unknown> = { [op.ok.status]: op.ok, ...COMMON_ERRORS };
      if (op.etag) responses['304'] = { description: 'Not modified (If-None-Match matched the ETag).' };
      if (op.notFound) responses['404'] = problem(op.notFound);
      if (op.body) responses['415'] = problem('The body is not application/json.');
      if (op.ok.status === '202') responses['503'] = problem('The command could not be produced; nothing was sent.');
      const { status: _status, ...ok } = op.ok as { status: string };
      responses[op.ok.status] = ok;
      paths[path][method] = {
        operationId: op.operationId,
        summary: op.summary,
        tags: op.tags,
        'x-roles': op.roles,
        security: [{ bearer: [] }],
        parameters: op.parameters ?? [],
        ...(op.body ? { requestBody: { required: true, content: json(op.body) } } : {}),
        responses,
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'creditstream insights API',
      version: '1.0.0',
      description:
        'Read models of creditstream (customers, open invoices with payment predictions, expected payments, models) and commands to the owning services. Every request needs `Authorization: Bearer <token>` (create one with `creditstream api token create --role ROLE`). Errors are application/problem+json with a stable `code`. Lists are paged with opaque cursors; reads carry ETags.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    tags: [
      { name: 'customers', description: 'Customer search and the customer page.' },
      { name: 'invoices', description: 'Open invoices, the at-risk list, expected payments per bucket.' },
      { name: 'credit', description: 'The hold list and commands to the credit service (creditstream.credit.commands.v1).' },
      { name: 'collections', description: 'The worklist and commands to the collections service (creditstream.collections.commands.v1).' },
      { name: 'models', description: 'The model registry.' },
      { name: 'commands', description: 'Commands sent and their outcomes (the audit trail).' },
      { name: 'auth', description: 'The caller.' },
    ],
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `creditstream api token create --role ROLE`.' } } },
    paths,
  };
}
