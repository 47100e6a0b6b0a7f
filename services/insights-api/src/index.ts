export { createInsightsApi, DASHBOARD_DIR, OUTCOME_TOPICS, SERVICE_NAME, type InsightsApi, type InsightsApiOptions } from './service';
export { insightsApiSpec, loadInsightsApiConfig, type InsightsApiConfig } from './config';
export { API_COLLECTIONS, API_INDEXES, hashToken, isRole, ROLES, TOKEN_PREFIX, TokenStore, type Principal, type Role } from './tokens';
export { openApiDocument, OPERATIONS } from './openapi';
export { compileValidators } from './validation';
export { buildSnapshot, compareAtRisk, expectedPaymentsOf, type CustomerDetail, type CustomerSummary, type ExpectedPayments, type OpenInvoice, type Snapshot } from './read-models';
export { CommandBus, type CommandRecord } from './commands';
export { paginate, encodeCursor, decodeCursor, compareKeys, type Page } from './pagination';
export { ApiProblem, PROBLEM_CODES, UnknownRoleError, type ProblemCode } from './errors';
