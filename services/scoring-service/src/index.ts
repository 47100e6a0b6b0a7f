export { createScoringService, SCORING_INPUTS, SERVICE_NAME, type ScoringService, type ScoringServiceOptions } from './service';
export { loadScoringServiceConfig, scoringServiceSpec, type ScoringServiceConfig } from './config';
export { ScoringProcessor, type ScoringInput } from './processor';
export { ModelHolder } from './model-holder';
export { PredictionStore, PREDICTION_INDEXES, type ScoringWrite } from './prediction-store';
export { outlookOf, sameOutlook } from './scoring/outlook';
export { shouldEmit, type Emittable } from './scoring/emission';
export { outlookEventId, predictionEventId, scoreCustomer, scoredVectorId, type CustomerScoring, type CustomerToScore, type ScoringPolicy, type Trigger } from './scoring/score-customer';
export * from './documents';
