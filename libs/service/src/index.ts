export { isDependencyOutage, ServiceRuntime, runMain, startWithRetry, type Component, type RuntimeOptions, type ServiceState, type StartRetryOptions } from './runtime';
export { Infrastructure, streamsSpec, streamsSettings, type ConnectionSettings, type InfrastructureOptions } from './infrastructure';
export { announceToPrometheus, prometheusTargetsDir } from './discovery';
export * from './errors';
