import { createKafka } from '@creditstream/kafka';
import { openStore } from '@creditstream/store';

/** Where a run left its data: the local stack it ran on. */
export interface RunData {
  kafkaBrokers: string[];
  mongodbUri: string;
  /** Every topic and database of the run has this in its name (databases with `-` and `.` written `_`). */
  runId: string;
}

/**
 * Deletes the topics and MongoDB databases a benchmark run created. Topics keep their history forever
 * (`retention.ms=-1`, as the product needs), so without this every run stays on disk: one scoring run writes several
 * GB to Kafka and the local MongoDB keeps every document it was sent in its oplog; a session's runs filled the
 * machine's disk (the broker then stops). What a run measured is in its result file; `--keep` keeps the data.
 * @returns how many topics and databases were deleted.
 */
export async function deleteRunData(run: RunData): Promise<{ topics: number; databases: number }> {
  const kafka = createKafka({ brokers: run.kafkaBrokers, clientId: 'bench-cleanup' });
  const admin = kafka.admin();
  await admin.connect();
  let topics: string[];
  try {
    topics = (await admin.listTopics()).filter((t) => t.includes(run.runId));
    for (let i = 0; i < topics.length; i += 50) await admin.deleteTopics({ topics: topics.slice(i, i + 50), timeout: 60_000 });
  } finally {
    await admin.disconnect();
  }
  const sanitized = run.runId.replace(/[^A-Za-z0-9_]/g, '_');
  const store = await openStore({ uri: run.mongodbUri, database: 'admin', appName: 'bench-cleanup' });
  let databases: string[];
  try {
    const { databases: all } = await store.client.db('admin').admin().listDatabases({ nameOnly: true });
    databases = all.map((d) => d.name).filter((name) => name.includes(sanitized));
    for (const name of databases) await store.client.db(name).dropDatabase();
  } finally {
    await store.close();
  }
  return { topics: topics.length, databases: databases.length };
}
