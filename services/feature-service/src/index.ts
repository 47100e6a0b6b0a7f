export { createFeatureService, FEATURE_INDEXES, FEATURE_INPUTS, SERVICE_NAME, type FeatureService, type FeatureServiceOptions } from './service';
export { featureServiceSpec, loadFeatureServiceConfig, type FeatureServiceConfig } from './config';
export { customerView, FeatureProcessor, type FeatureProcessorOptions } from './processor';
export { FeatureStateReader, type StoredCustomer } from './reader';
export * from './documents';
export { diffStore, foldEventLog, readEventLog, writeFold, type Difference, type FoldedLog } from './verify';
export { createFeatureMetrics, type FeatureMetrics } from './metrics';
