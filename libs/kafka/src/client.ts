import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '@creditstream/logging';
import { explainConnectFailure } from './connect-errors';
import { kafkaSecurityFromEnv, type KafkaSecurity } from './security';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** Routes kafkajs' own log lines into the service logger. */
  logger?: Logger;
  /**
   * TLS and SASL. Every client of every process is built here, so every one of them authenticates the same way.
   * @default kafkaSecurityFromEnv(process.env): KAFKA_SECURITY_PROTOCOL and the KAFKA_SASL_* / KAFKA_SSL_* variables
   */
  security?: KafkaSecurity;
}

type Level = 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<number, Level> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/**
 * Kafka protocol errors (kafkajs' texts) that are normal while a broker starts, a group's coordinator loads or
 * moves, or a partition's leadership moves. kafkajs retries each of them itself but logs every attempt at error;
 * an error line must mean something is wrong, so these are logged at info. If the retries run out, the failure
 * still surfaces as the error the caller gets (and the consumer's crash line).
 */
const TRANSIENT_KAFKA_ERRORS = new Set([
  "The coordinator is loading and hence can't process requests for this group", // COORDINATOR_LOAD_IN_PROGRESS (14)
  'The group coordinator is not available', // COORDINATOR_NOT_AVAILABLE (15)
  'This is not the correct coordinator for this group', // NOT_COORDINATOR (16)
  'There is no leader for this topic-partition as we are in the middle of a leadership election', // LEADER_NOT_AVAILABLE (5)
  'This server is not the leader for that topic-partition', // NOT_LEADER_OR_FOLLOWER (6)
  'The group is rebalancing, so a rejoin is needed', // REBALANCE_IN_PROGRESS (27)
]);

/** The pino level of one kafkajs log line: kafkajs' own, except transient protocol errors, which are info. */
export function kafkajsLogLevel(level: number, log: { message?: unknown; error?: unknown }): Level {
  const mapped = LEVELS[level] ?? 'info';
  if (mapped !== 'error' && mapped !== 'warn') return mapped;
  return TRANSIENT_KAFKA_ERRORS.has(String(log.error)) || TRANSIENT_KAFKA_ERRORS.has(String(log.message)) ? 'info' : mapped;
}

/** A kafkajs client whose logs go through pino, with the configured TLS and SASL. */
export function createKafka(options: KafkaClientOptions): Kafka {
  const logger = options.logger;
  const security = options.security ?? kafkaSecurityFromEnv();
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...(security.ssl === undefined ? {} : { ssl: security.ssl }),
    ...(security.sasl === undefined ? {} : { sasl: security.sasl }),
    logLevel: KafkaLogLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, ...extra } = entry.log;
      logger[kafkajsLogLevel(entry.level, entry.log)]({ kafkajs: entry.namespace, ...extra }, message);
    },
  });
  // Every admin, producer and consumer says what to check when it cannot connect (see explainConnectFailure).
  const explained = <C extends { connect(): Promise<void> }>(client: C): C => {
    const connect = client.connect.bind(client);
    client.connect = async () => {
      try {
        await connect();
      } catch (err) {
        throw explainConnectFailure(err, options.brokers, security);
      }
    };
    return client;
  };
  const admin = kafka.admin.bind(kafka);
  const producer = kafka.producer.bind(kafka);
  const consumer = kafka.consumer.bind(kafka);
  kafka.admin = (config) => explained(admin(config));
  kafka.producer = (config) => explained(producer(config));
  kafka.consumer = (config) => explained(consumer(config));
  return kafka;
}
