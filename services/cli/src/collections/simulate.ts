import { connectionSpec, env, loadConfig } from '@creditstream/config';
import { COLLECTIONS_INPUTS, policyVersion, simulateHistory, type HistoryRecord, type InputKind } from '@creditstream/collections-service';
import { readEventLog } from '@creditstream/feature-service';
import { isDate } from '@creditstream/features';
import { createKafka, kafkaSecurityFromEnv } from '@creditstream/kafka';
import { SchemaCodec } from '@creditstream/schema';
import { TOPIC, type CollectionActionEnvelope } from '@creditstream/schemas';
import { CliOptionError } from '../errors';
import type { Io } from '../io';
import { grouped } from '../commands/numbers';
import { readPolicyFile } from './policy';

const spec = {
  KAFKA_BROKERS: connectionSpec.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: connectionSpec.SCHEMA_REGISTRY_URL,
  CREDITSTREAM_TOPIC_PREFIX: env.string('Prefix of every topic name.', { optional: true }),
};

/** What a set of actions adds up to, for the comparison. */
export interface ActionTotals {
  letters: number;
  lettersByLevel: number[];
  letterFeesMinor: number;
  interestNotes: number;
  interestMinor: number;
  collectionStarts: number;
  writeOffProposals: number;
  nsfFeesMinor: number;
  promisesBroken: number;
}

/** Adds up the actions whose business date is within [from, to]. */
export function totals(actions: Iterable<CollectionActionEnvelope>, from: string, to: string): ActionTotals {
  const t: ActionTotals = { letters: 0, lettersByLevel: [0, 0, 0, 0, 0], letterFeesMinor: 0, interestNotes: 0, interestMinor: 0, collectionStarts: 0, writeOffProposals: 0, nsfFeesMinor: 0, promisesBroken: 0 };
  for (const a of actions) {
    const date = (a.payload as { businessDate?: string }).businessDate ?? a.eventTime.slice(0, 10);
    if (date < from || date > to) continue;
    switch (a.type) {
      case 'CollectionLetterIssued':
        t.letters += 1;
        t.lettersByLevel[a.payload.level - 1] = (t.lettersByLevel[a.payload.level - 1] ?? 0) + 1;
        t.letterFeesMinor += a.payload.feeMinor;
        break;
      case 'InterestNoteIssued':
        t.interestNotes += 1;
        t.interestMinor += a.payload.totalInterestMinor;
        break;
      case 'CollectionStarted':
        t.collectionStarts += 1;
        break;
      case 'WriteOffProposed':
        t.writeOffProposals += 1;
        break;
      case 'CollectionFeeCharged':
        t.nsfFeesMinor += a.payload.amountMinor;
        break;
      case 'PromiseBroken':
        t.promisesBroken += 1;
        break;
      default:
        break;
    }
  }
  return t;
}

/** The comparison table: candidate policy against what was issued. */
export function comparisonLines(candidate: ActionTotals, issued: ActionTotals): string[] {
  const money = (m: number) => (m / 100).toFixed(2);
  const rows: [string, number, number, (x: number) => string][] = [
    ['letters', candidate.letters, issued.letters, String],
    ...candidate.lettersByLevel.map((n, i) => [`  level ${i + 1}`, n, issued.lettersByLevel[i] ?? 0, String] as [string, number, number, (x: number) => string]),
    ['letter fees', candidate.letterFeesMinor, issued.letterFeesMinor, money],
    ['interest notes', candidate.interestNotes, issued.interestNotes, String],
    ['interest', candidate.interestMinor, issued.interestMinor, money],
    ['collection starts', candidate.collectionStarts, issued.collectionStarts, String],
    ['write-off proposals', candidate.writeOffProposals, issued.writeOffProposals, String],
    ['NSF fees', candidate.nsfFeesMinor, issued.nsfFeesMinor, money],
    ['promises broken', candidate.promisesBroken, issued.promisesBroken, String],
  ];
  const lines = [`${''.padEnd(22)}${'candidate'.padStart(14)}${'issued'.padStart(14)}${'difference'.padStart(14)}`];
  for (const [label, c, i, f] of rows) lines.push(`${label.padEnd(22)}${f(c).padStart(14)}${f(i).padStart(14)}${((c - i >= 0 ? '+' : '') + f(c - i)).padStart(14)}`);
  return lines;
}

/**
 * `creditstream collections simulate --policy FILE [--from DATE] [--to DATE]`: runs the retained history through a
 * candidate policy, in memory and without side effects, and reports the letters, fees and interest it would have
 * issued against what was issued (the actions topic). Amounts are summed across currencies.
 */
export async function runCollectionsSimulate(o: { policy: string; from?: string; to?: string }, io: Io, environment: Record<string, string | undefined> = process.env): Promise<{ candidate: ActionTotals; issued: ActionTotals }> {
  for (const [name, value] of [['from', o.from], ['to', o.to]] as const) if (value !== undefined && !isDate(value)) throw new CliOptionError(name, `--${name} ${JSON.stringify(value)} is not a date YYYY-MM-DD`);
  const { policy } = readPolicyFile(o.policy);
  const config = loadConfig(spec, environment);
  const prefix = config.CREDITSTREAM_TOPIC_PREFIX ?? '';
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'creditstream-collections', security: kafkaSecurityFromEnv(environment) });
  const codec = new SchemaCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  const kindOf = new Map(COLLECTIONS_INPUTS.map(([t, kind]) => [`${prefix}${t}`, kind as InputKind]));
  const started = io.now();
  const log = await readEventLog(kafka, codec, [...kindOf.keys()]);
  const history: HistoryRecord[] = log.map((e) => ({ kind: kindOf.get(e.source.topic) as InputKind, partition: e.source.partition, offset: e.source.offset, event: e.event as HistoryRecord['event'] }));
  const candidateActions: CollectionActionEnvelope[] = [];
  const result = simulateHistory(history, { policy, onOutput: (out) => void (out.topic === 'actions' && candidateActions.push(out.event)) });
  const issuedActions = (await readEventLog(kafka, codec, [`${prefix}${TOPIC.collectionActions}`])).map((e) => e.event as unknown as CollectionActionEnvelope);
  const from = o.from ?? '0000-01-01';
  const to = o.to ?? '9999-12-31';
  const candidate = totals(candidateActions, from, to);
  const issued = totals(new Map(issuedActions.map((a) => [a.eventId, a])).values(), from, to);
  io.out(`process simulation of policy ${policyVersion(policy)} over ${o.from ?? 'the whole history'}${o.to ? ` to ${o.to}` : ''}: ${grouped(history.length)} events, ${grouped(result.customers)} customers, ${grouped(result.businessDays)} partition business days, ${((io.now() - started) / 1000).toFixed(1)} s; nothing was written`);
  for (const line of comparisonLines(candidate, issued)) io.out(line);
  return { candidate, issued };
}
