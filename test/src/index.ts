export { canonical, CHAOS_SERVICES, p99, PREDICTION_FREE_POLICY, runChaos, type ChaosOptions, type ChaosReport, type KillRecord } from './chaos/harness';
export { readTopic, scanTopic, spawnService, waitCaughtUp } from './e2e/pipeline';
