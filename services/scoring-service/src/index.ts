export { createScoringService, SCORING_INPUTS, SERVICE_NAME, type ScoringService, type ScoringServiceOptions } from './service';
export { DEFAULT_EXPLANATION_MEMO_MB, loadScoringServiceConfig, scoringServiceSpec, type ScoringServiceConfig } from './config';
export { ScoringProcessor, type ScoringProcessorOptions } from './processor';
export { ModelHolder } from './model-holder';
export { PredictionReader } from './reader';
export { outlookOf, sameOutlook } from './scoring/outlook';
export { shouldEmit, type Emittable } from './scoring/emission';
export { outlookEventId, predictionEventId, scoreCustomer, scoredVectorId, upToDate, type CustomerScoring, type ScoringPolicy, type Trigger } from './scoring/score-customer';
export * from './documents';
