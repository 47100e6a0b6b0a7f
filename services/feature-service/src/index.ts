export { createFeatureService, FEATURE_INPUTS, SERVICE_NAME, type FeatureServiceOptions } from './service';
export { featureServiceSpec, loadFeatureServiceConfig, type FeatureServiceConfig } from './config';
export { FeatureProcessor } from './processor';
export { StateStore, FEATURE_INDEXES, type LoadedCustomer } from './state-store';
export * from './documents';
export { diffStore, foldEventLog, readEventLog, writeFold, type Difference } from './verify';
