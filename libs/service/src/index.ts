export { ServiceRuntime, runMain, type Component, type RuntimeOptions, type ServiceState } from './runtime';
export { Infrastructure, streamsSpec, streamsSettings, type ConnectionSettings, type InfrastructureOptions } from './infrastructure';
export { announceToPrometheus, prometheusTargetsDir } from './discovery';
export * from './errors';
