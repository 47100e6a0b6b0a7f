export { createProgram } from './program';
export { runSimulate, type SimulateCommandOptions, type SimulateSummary } from './commands/simulate';
export { runImport, type ImportCommandOptions, type ImportSummary } from './commands/import';
export { BEHAVIOURS, compileSimulateOptions, DEFAULT_START, simulate, type Behaviour, type Bucket, type EventRecord, type InputEvent, type InvoiceTruth, type SimRecord, type SimulateOptions } from './simulator';
export { createImporter, planImport, IMPORT_FIELDS, type ImportField, type ImportOptions, type ImportResult, type InvoiceRow, type RowProblem } from './importer';
export { groundTruth, readGroundTruth } from './truth/read-truth';
export { ndjsonLine, parseNdjsonLine, type NdjsonEntry } from './output/ndjson';
export * from './errors';
export { runFeaturesRebuild, runFeaturesVerify } from './commands/features';
