/**
 * Mocha global fixtures (loaded through `.mocharc.json`'s `require`): before any test file runs, make sure the real
 * local stack is up and export its endpoints to the environment the tests read; afterwards stop what this run
 * started. Only `mochaGlobalSetup` and `mochaGlobalTeardown` are exported, the two names mocha looks for.
 */
import { down, endpointLines, PART_NAMES, up, type PartName } from '@creditstream/local-stack';

const startedByThisRun: PartName[] = [];

function say(line: string): void {
  process.stderr.write(`[global-setup] ${line}\n`);
}

/** Starts the parts the environment does not provide (reusing running ones) and sets the four endpoint variables. */
export async function mochaGlobalSetup(): Promise<void> {
  const endpoints = await up({ log: (line) => process.stderr.write(`[stack] ${line}\n`) });
  process.env.KAFKA_BROKERS = endpoints.kafkaBrokers;
  process.env.SCHEMA_REGISTRY_URL = endpoints.schemaRegistryUrl;
  process.env.MONGODB_URI = endpoints.mongodbUri;
  process.env.PROMETHEUS_URL = endpoints.prometheusUrl;
  const lines = endpointLines(endpoints);
  PART_NAMES.forEach((part, i) => {
    const origin = endpoints.origins[part];
    const how = origin === 'external' ? 'given by the environment' : origin === 'started' ? 'started by this run' : 'already running';
    say(`${part}: tests use ${lines[i] ?? ''} (${how})`);
    if (origin === 'started') startedByThisRun.push(part);
  });
}

/** Stops the parts this run started, unless CREDITSTREAM_KEEP_STACK=1; parts it found running are left alone. */
export async function mochaGlobalTeardown(): Promise<void> {
  if (startedByThisRun.length === 0) return;
  if (process.env.CREDITSTREAM_KEEP_STACK === '1') {
    say(`CREDITSTREAM_KEEP_STACK=1: leaving ${startedByThisRun.join(', ')} running (\`npm run stack -- down\` stops them)`);
    return;
  }
  await down({ parts: startedByThisRun, log: (line) => process.stderr.write(`[stack] ${line}\n`) });
}
