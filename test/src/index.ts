export { canonical, CHAOS_SERVICES, p99, runChaos, type ChaosOptions, type ChaosReport, type KillRecord } from './chaos/harness';
export { readTopic, scanTopic, spawnService, waitCaughtUp } from './e2e/pipeline';
