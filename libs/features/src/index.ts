export * from './state';
export * from './buckets';
export * from './errors';
export * from './rejections';
export { addDays, dateOfDay, dayNumber, daysBetween, isDate, businessDateOfTimestamp } from './dates';
export { applyEvent, applyTick, appliedOffset, sourceKey, type ApplyResult, type EventSource, type InputEvent } from './fold/apply';
export { createFolder, foldAll, type Folder, type FoldAllResult, type RejectedEvent, type SourcedEvent } from './fold/fold-all';
export { daysOverdue } from './invoice';
export { agingOf, overdueSummary, type AgingBucket, type OverdueSummary } from './aging';
export { effectiveCreditLimit, type EffectiveCreditLimit } from './credit';
export {
  CUSTOMER_FEATURE_NAMES,
  customerFeatures,
  customerFeatureVector,
  diffFeatures,
  FEATURE_NAMES,
  FEATURE_SET_VERSION,
  featureRecord,
  INVOICE_FEATURE_NAMES,
  invoiceFeatures,
  predictionInputs,
  vectorFromInputs,
  writeCustomerInputs,
  writeInvoiceInputs,
  type CustomerFeatureName,
  type OpenInvoiceInput,
  type FeatureName,
  type InvoiceFeatureName,
} from './features';
export { findInvoice } from './fold/context';
export { MAX_AMOUNT_MINOR } from './fold/checks';
export { checkOutlook, checkPrediction } from './predictions';
