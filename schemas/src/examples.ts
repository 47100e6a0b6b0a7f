import type { CreditstreamEvent, EventOfType } from './generated/events';

/** One example of every event type. The mapped type makes a new event type without an example a compile error. */
export type ExampleEvents = { readonly [T in CreditstreamEvent['type']]: EventOfType<T> };

const T0 = '2024-03-01T09:15:00.000Z';

function envelope<T extends CreditstreamEvent['type']>(type: T, n: number, payload: EventOfType<T>['payload'], customerId = 'C000042', causationId: string | null = null): EventOfType<T> {
  return { eventId: `example-${type}-${n}`, eventTime: T0, customerId, causationId, type, payload } as EventOfType<T>;
}

/**
 * A realistic example of every creditstream event, in the TypeScript shape the codec reads and writes. Used by the
 * contract tests (every example round-trips through the real broker and registry) and as documentation.
 */
export const EXAMPLE_EVENTS: ExampleEvents = {
  CustomerRegistered: envelope('CustomerRegistered', 1, { name: 'Northwind Logistics GmbH', country: 'DE', segment: 'mid-market', currency: 'EUR', groupId: 'region-de', paperless: true, openedOn: '2019-05-14' }),
  CreditLimitSet: envelope('CreditLimitSet', 2, { limitType: 'BALANCE_AND_OPEN_ORDERS', amountMinor: 5_000_000, currency: 'EUR', unlimited: false, expiresOn: '2024-12-31', temporary: true, reason: 'temporary limit for the peak season' }),
  PaymentTermsSet: envelope('PaymentTermsSet', 3, { termsCode: 'NET30', netDays: 30 }),
  AccountStatusChanged: envelope('AccountStatusChanged', 4, { status: 'BLOCKED', previousStatus: 'ACTIVE', reason: '3 NSF payments in 90 days', changedBy: 'credit-service' }),
  InvoiceIssued: envelope('InvoiceIssued', 5, { invoiceId: 'INV-000042-00017', orderId: 'SO-000042-00016', amountMinor: 1_234_56, currency: 'EUR', invoiceDate: '2024-03-01', dueDate: '2024-03-31', termsCode: 'NET30', netDays: 30 }),
  InvoiceAdjusted: envelope('InvoiceAdjusted', 6, { invoiceId: 'INV-000042-00017', creditNoteId: 'CN-000042-00002', amountMinor: 200_00, currency: 'EUR', reason: 'pricing error' }),
  InvoiceDisputed: envelope('InvoiceDisputed', 7, { invoiceId: 'INV-000042-00017', disputeId: 'DSP-000042-00001', amountMinor: 1_234_56, currency: 'EUR', reason: 'quantity' }),
  DisputeResolved: envelope('DisputeResolved', 8, { invoiceId: 'INV-000042-00017', disputeId: 'DSP-000042-00001', outcome: 'PARTIALLY_CREDITED', creditedMinor: 200_00, currency: 'EUR' }),
  InvoiceWrittenOff: envelope('InvoiceWrittenOff', 9, { invoiceId: 'INV-000042-00003', writeOffId: 'WO-000042-00001', amountMinor: 870_00, currency: 'EUR', reason: 'uncollectible: no payment received' }),
  PaymentReceived: envelope('PaymentReceived', 10, {
    paymentId: 'PAY-000042-00031',
    amountMinor: 2_100_00,
    currency: 'EUR',
    method: 'BANK_TRANSFER',
    receivedOn: '2024-03-28',
    applications: [
      { invoiceId: 'INV-000042-00017', amountMinor: 1_034_56 },
      { invoiceId: 'INV-000042-00018', amountMinor: 1_000_00 },
    ],
    unappliedMinor: 65_44,
  }),
  PaymentReturned: envelope('PaymentReturned', 11, { paymentId: 'PAY-000042-00031', amountMinor: 2_100_00, currency: 'EUR', reason: 'NSF', returnedOn: '2024-04-02', reversedApplications: [{ invoiceId: 'INV-000042-00017', amountMinor: 1_034_56 }], feeMinor: 25_00 }),
  OrderPlaced: envelope('OrderPlaced', 12, { orderId: 'SO-000042-00016', amountMinor: 1_234_56, currency: 'EUR', lineCount: 4, orderDate: '2024-02-27', requestedShipDate: null }),
  OrderCancelled: envelope('OrderCancelled', 13, { orderId: 'SO-000042-00019', reason: 'customer request' }),
  OrderShipped: envelope('OrderShipped', 14, { orderId: 'SO-000042-00016', shipmentId: 'SH-000042-00015', amountMinor: 1_234_56, currency: 'EUR', shippedOn: '2024-03-01', finalShipment: true }),
  BusinessDayTick: envelope('BusinessDayTick', 15, { businessDate: '2024-03-01', previousBusinessDate: '2024-02-29', partition: 3 }, '*'),
  CustomerFeaturesChanged: envelope('CustomerFeaturesChanged', 16, { version: 1_734_211, featureSetVersion: 'features-v1', businessDate: '2024-03-01', changedFeatures: ['open_amount', 'share_late_90d'], features: { open_amount: 2_469_12, share_late_90d: 0.25, settled_count: 41 }, openInvoiceIds: ['INV-000042-00017', 'INV-000042-00018'], currency: 'EUR', openInvoices: [{ invoiceId: 'INV-000042-00017', invoiceDate: '2024-02-01', dueDate: '2024-03-02', currency: 'EUR', openAmountMinor: 1_234_56, currencyMismatch: false, features: [1_234_56, 30, 1, 0, 29, 0, 0, 0, 1_234_56, 0.5, 0, 0, 0] }] }, 'C000042', 'example-InvoiceIssued-5'),
  InvoicePaymentPredicted: envelope('InvoicePaymentPredicted', 17, {
    invoiceId: 'INV-000042-00017',
    businessDate: '2024-03-01',
    modelId: 'payment-buckets',
    modelVersion: '7',
    pOnTime: 0.42,
    pLate: 0.46,
    pVeryLate: 0.12,
    predictedBucket: 'LATE',
    atRisk: true,
    openAmountMinor: 1_234_56,
    currency: 'EUR',
    topFactors: [
      { feature: 'shareLate90d', value: 0.25, contribution: 0.31 },
      { feature: 'disputedNow', value: null, contribution: 0.12 },
    ],
    featureVectorId: 'fv-C000042-INV-000042-00017-2024-03-01',
  }, 'C000042', 'example-CustomerFeaturesChanged-16'),
  CustomerPaymentOutlook: envelope('CustomerPaymentOutlook', 18, { businessDate: '2024-03-01', modelVersion: '7', currency: 'EUR', openBalanceMinor: 2_469_12, expectedOnTimeMinor: 1_100_00, expectedLateMinor: 1_069_12, expectedVeryLateMinor: 300_00, highLateBalance: true, openInvoiceCount: 2, atRiskInvoiceCount: 1 }, 'C000042', 'example-InvoicePaymentPredicted-17'),
  CreditDecision: envelope('CreditDecision', 19, {
    orderId: 'SO-000042-00020',
    decision: 'HELD',
    holdId: 'HOLD-SO-000042-00020',
    orderAmountMinor: 3_000_00,
    currency: 'EUR',
    balanceMinor: 2_469_12,
    creditLimitMinor: 5_000_00,
    rulesFired: [{ ruleId: 'limit', ruleType: 'credit-limit-exceeded', scope: 'ALL', message: 'balance 2469.12 + order 3000.00 exceeds limit 5000.00', inputs: { balanceMinor: '246912', orderAmountMinor: '300000', creditLimitMinor: '500000' } }],
    fraudCheckId: 'example-FraudCheck-22',
    ruleSetVersion: '2024-03-01.1',
    modelVersion: '7',
    exposureMinor: 5_469_12,
    excludedBy: null,
  }, 'C000042', 'example-OrderPlaced-12'),
  CreditHoldReleased: envelope('CreditHoldReleased', 20, { orderId: 'SO-000042-00020', holdId: 'HOLD-SO-000042-00020', reason: 'no rule fires after payment PAY-000042-00031', actor: 'system', automatic: true, clearedBy: 'example-PaymentReceived-9', commandId: null, reviewDate: null }),
  CreditHoldRejected: envelope('CreditHoldRejected', 21, { orderId: 'SO-000042-00021', holdId: 'HOLD-SO-000042-00021', reason: 'customer asked to cancel', actor: 'j.doe', commandId: 'cmd-7f3a' }),
  CreditHoldPlaced: envelope('CreditHoldPlaced', 29, { orderId: 'SO-000042-00022', holdId: 'C000042:hold:SO-000042-00022', reason: 'customer under review by the credit committee', actor: 'j.doe', forced: true, commandId: 'cmd-7f3b' }),
  CreditCommandRefused: envelope('CreditCommandRefused', 30, { commandId: 'cmd-7f3c', commandType: 'ReleaseCreditHold', orderId: 'SO-000042-00021', reasonCode: 'ORDER_REJECTED', message: 'order SO-000042-00021 was rejected; a rejected order cannot be released', actor: 'a.smith' }),
  CreditLimitAdjustmentRequested: envelope('CreditLimitAdjustmentRequested', 31, { adjustmentId: 'ADJ-42-1', commandId: 'cmd-7f3d', requestedBy: 'a.smith', temporary: true, previousLimitMinor: 5_000_00, newLimitMinor: 8_000_00, currency: 'EUR', expiresOn: '2024-04-30', reason: 'seasonal peak' }),
  ReleaseCreditHold: envelope('ReleaseCreditHold', 32, { commandId: 'cmd-7f3e', actor: 'j.doe', orderId: 'SO-000042-00020', recheck: true, reason: 'customer paid by wire', reviewDate: '2024-03-15' }),
  RejectCreditHold: envelope('RejectCreditHold', 33, { commandId: 'cmd-7f3a', actor: 'j.doe', orderId: 'SO-000042-00021', reason: 'customer asked to cancel' }),
  PlaceCreditHold: envelope('PlaceCreditHold', 34, { commandId: 'cmd-7f3b', actor: 'j.doe', orderId: 'SO-000042-00022', reason: 'customer under review by the credit committee' }),
  RequestCreditLimitAdjustment: envelope('RequestCreditLimitAdjustment', 35, { commandId: 'cmd-7f3d', actor: 'a.smith', adjustmentId: 'ADJ-42-1', changeMinor: 3_000_00, changePercent: null, currency: 'EUR', temporary: true, expiresOn: '2024-04-30', reason: 'seasonal peak' }),
  ApproveCreditLimitAdjustment: envelope('ApproveCreditLimitAdjustment', 36, { commandId: 'cmd-7f3f', actor: 'j.doe', adjustmentId: 'ADJ-42-1' }),
  BlockAccount: envelope('BlockAccount', 37, { commandId: 'cmd-7f40', actor: 'j.doe', reason: 'cheques keep bouncing' }),
  CloseAccount: envelope('CloseAccount', 38, { commandId: 'cmd-7f41', actor: 'j.doe', reason: 'business ceased trading' }),
  ReactivateAccount: envelope('ReactivateAccount', 39, { commandId: 'cmd-7f42', actor: 'j.doe', reason: 'overdue balance paid' }),
  CreditRuleSetPublished: envelope('CreditRuleSetPublished', 40, { version: '2024-03-01.1', document: '{"version":"2024-03-01.1","rules":[]}', sha256: '5d41402abc4b2a76b9719d911017c592ae5d41402abc4b2a76b9719d911017c5', publishedBy: 'j.doe', partition: 0 }, '*'),
  FraudCheck: envelope('FraudCheck', 22, { orderId: 'SO-000042-00020', outcome: 'REVIEW', score: 0.83, reasons: [{ code: 'new-account-large-order', message: 'order 3000.00 from an account 12 days old exceeds 1000.00', value: 300_000, threshold: 100_000 }] }, 'C000042', 'example-OrderPlaced-12'),
  CollectionStarted: envelope('CollectionStarted', 23, { collectionId: 'COL-C000042-2024-03-01', businessDate: '2024-03-01', trigger: 'PREDICTION', invoiceIds: ['INV-000042-00017'], amountMinor: 1_234_56, currency: 'EUR', pOnTime: 0.42 }),
  CollectionLetterIssued: envelope('CollectionLetterIssued', 24, { letterId: 'LTR-C000042-2024-04-15-2', businessDate: '2024-04-15', sequenceId: 'standard', level: 2, invoiceIds: ['INV-000042-00017'], maxDaysOverdue: 15, overdueMinor: 1_034_56, feeMinor: 10_00, currency: 'EUR', blocksAccount: false }),
  InterestNoteIssued: envelope('InterestNoteIssued', 25, { noteId: 'INT-C000042-2024-04', businessDate: '2024-04-30', lines: [{ invoiceId: 'INV-000042-00017', overdueMinor: 1_034_56, daysCharged: 30, rateBasisPoints: 800, interestMinor: 6_80 }], totalInterestMinor: 6_80, currency: 'EUR' }),
  WriteOffProposed: envelope('WriteOffProposed', 26, { proposalId: 'WOP-INV-000042-00003', businessDate: '2024-08-01', invoiceId: 'INV-000042-00003', amountMinor: 870_00, currency: 'EUR', daysOverdue: 181, reason: 'more than 180 days overdue with no payment' }),
  ModelPublished: envelope('ModelPublished', 27, { modelId: 'payment-buckets', modelVersion: '7', algorithm: 'lightgbm-multiclass', featureSetVersion: 'fs-1', trainedAt: '2024-02-29T23:59:59.999Z', trainingRows: 182_331, veryLateAfterDays: 30, graceDays: 0, metrics: { accuracy: 0.71, macroF1: 0.64, logLoss: 0.68 }, publishedBy: 'j.doe' }, '*'),
  DeadLetter: envelope('DeadLetter', 28, {
    service: 'feature-service',
    originalTopic: 'creditstream.invoices.events.v1',
    originalPartition: 2,
    originalOffset: 18_234,
    originalKey: Buffer.from('C000042'),
    originalValue: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]),
    originalHeaders: [{ key: 'origin', value: Buffer.from('legacy-erp') }, { key: 'empty', value: null }],
    reasonCode: 'VALIDATION_FAILED',
    reasonMessage: 'InvoiceAdjusted amountMinor=-5 is negative',
    failedAt: '2024-03-01T09:15:02.417Z',
    attempts: 1,
  }, 'C000042', 'example-InvoiceAdjusted-6'),
};
