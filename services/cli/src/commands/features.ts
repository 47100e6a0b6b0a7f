import type { Command } from 'commander';
import { connectionSpec, env, loadConfig } from '@creditstream/config';
import { COLLECTIONS, diffStore, FEATURE_INDEXES, FEATURE_INPUTS, FeatureStateReader, foldEventLog, readEventLog, writeFold } from '@creditstream/feature-service';
import { createKafka, kafkaSecurityFromEnv } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { TOPIC } from '@creditstream/schemas';
import { openStore } from '@creditstream/store';
import { CliOptionError } from '../errors';
import type { Io } from '../io';
import { grouped, intOption } from './numbers';

const spec = {
  KAFKA_BROKERS: connectionSpec.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: connectionSpec.SCHEMA_REGISTRY_URL,
  MONGODB_URI: connectionSpec.MONGODB_URI,
  MONGODB_DATABASE: connectionSpec.MONGODB_DATABASE,
  CREDITSTREAM_TOPIC_PREFIX: env.string('Prefix of every topic name.', { optional: true }),
};

/** Reads the whole input event log from Kafka and folds it from scratch, with progress. */
async function foldFromKafka(io: Io, environment: Record<string, string | undefined>) {
  const config = loadConfig(spec, environment);
  const prefix = config.CREDITSTREAM_TOPIC_PREFIX ?? '';
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'creditstream-features', security: kafkaSecurityFromEnv(environment) });
  const codec = new SchemaCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  let lastProgress = io.now();
  const log = await readEventLog(kafka, codec, FEATURE_INPUTS.map((t) => `${prefix}${t}`), (read, total) => {
    if (io.now() - lastProgress >= 2000) {
      lastProgress = io.now();
      io.err(`read ${grouped(read)} of ${grouped(total)} events (${((100 * read) / Math.max(total, 1)).toFixed(0)}%)`);
    }
  });
  io.err(`read ${grouped(log.length)} events; folding`);
  return { config, folded: foldEventLog(log), clockTopic: `${prefix}${TOPIC.clock}`, events: log.length };
}

/** `creditstream features verify`: compares the live store with a from-scratch fold of the event log. */
export async function runFeaturesVerify(o: { limit: number }, io: Io, environment: Record<string, string | undefined> = process.env): Promise<number> {
  const { config, folded, clockTopic, events } = await foldFromKafka(io, environment);
  const mongo = await openStore({ uri: config.MONGODB_URI, database: config.MONGODB_DATABASE });
  try {
    const differences = await diffStore(new FeatureStateReader(mongo), folded, clockTopic, o.limit);
    for (const d of differences) io.out(`${d.customerId} ${d.path || '(document)'}: stored ${JSON.stringify(d.stored)}, expected ${JSON.stringify(d.expected)}`);
    io.out(differences.length === 0
      ? `OK: ${grouped(folded.customers.size)} customers in ${config.MONGODB_DATABASE} equal a from-scratch fold of ${grouped(events)} events`
      : `${differences.length}${differences.length >= o.limit ? '+' : ''} difference(s) between ${config.MONGODB_DATABASE} and a from-scratch fold of ${grouped(events)} events`);
    return differences.length;
  } finally {
    await mongo.close();
  }
}

/** `creditstream features rebuild --into DB`: recomputes all state from the event log into a fresh database. */
export async function runFeaturesRebuild(o: { into: string; force?: boolean }, io: Io, environment: Record<string, string | undefined> = process.env): Promise<void> {
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(o.into)) throw new CliOptionError('into', `--into ${JSON.stringify(o.into)} is not a valid database name (letters, digits, _ and -, at most 63)`);
  const config = loadConfig(spec, environment);
  if (o.into === config.MONGODB_DATABASE && !o.force) throw new CliOptionError('into', `--into ${o.into} is the live database (MONGODB_DATABASE); rebuild into a fresh one, or pass --force`);
  const mongo = await openStore({ uri: config.MONGODB_URI, database: o.into, indexes: FEATURE_INDEXES });
  try {
    const existing = await mongo.db.listCollections({}, { nameOnly: true }).toArray();
    if (existing.length > 0 && (await mongo.collection(COLLECTIONS.state).estimatedDocumentCount()) > 0) {
      if (!o.force) throw new CliOptionError('into', `database ${o.into} already holds customers; pass --force to drop it first`);
      await mongo.db.dropDatabase();
      for (const ix of FEATURE_INDEXES) await mongo.collection(ix.collection).createIndex(ix.keys);
    }
    const { folded, events } = await foldFromKafka(io, environment);
    await writeFold(mongo, folded, {
      onProgress: (written, total) => {
        if (written === total || written % 2000 === 0) io.err(`wrote ${grouped(written)} of ${grouped(total)} customers`);
      },
    });
    io.out(`rebuilt ${grouped(folded.customers.size)} customers from ${grouped(events)} events into ${o.into}`);
  } finally {
    await mongo.close();
  }
}

/** Registers `creditstream features verify | rebuild`. */
export function registerFeatures(program: Command, io: Io): void {
  const features = program.command('features').description('The feature service\'s state: verify it against, or rebuild it from, the event log in Kafka');
  features
    .command('verify')
    .description('Fold every input event from Kafka from scratch and compare with the store (MONGODB_DATABASE); lists differences, exits 1 if any')
    .option('--limit <n>', 'stop after this many differences', intOption(1, 1_000_000), 100)
    .action(async (opts: { limit: number }) => {
      if ((await runFeaturesVerify(opts, io)) > 0) process.exitCode = 1;
    });
  features
    .command('rebuild')
    .description('Recompute all customer, invoice and payment state from the event log into a fresh database')
    .requiredOption('--into <database>', 'the database to write (must be empty unless --force)')
    .option('--force', 'drop the database first if it holds data')
    .action(async (opts: { into: string; force?: boolean }) => {
      await runFeaturesRebuild(opts, io);
    });
}
