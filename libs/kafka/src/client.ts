import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '@creditstream/logging';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** Routes kafkajs' own log lines into the service logger. */
  logger?: Logger;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through pino. */
export function createKafka(options: KafkaClientOptions): Kafka {
  const logger = options.logger;
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: KafkaLogLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, ...extra } = entry.log;
      logger[LEVELS[entry.level] ?? 'info']({ kafkajs: entry.namespace, ...extra }, message);
    },
  });
}
