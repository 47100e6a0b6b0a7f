import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that may hold customer data. They are redacted unless `LOG_CUSTOMER_DATA=true`, so that log lines can be
 * shipped to shared logging systems without leaking who owes what.
 */
const CUSTOMER_DATA_PATHS = [
  'customerId', '*.customerId', 'key', '*.key', 'payload', '*.payload', 'event', '*.event', 'amount', '*.amount',
];

export interface LoggerOptions {
  /** Logger name, usually the service name. */
  name: string;
  /** @default process.env.LOG_LEVEL ?? 'info' */
  level?: string;
  /** Log customer ids, keys and payloads in clear. @default process.env.LOG_CUSTOMER_DATA === 'true' */
  customerData?: boolean;
  /** Where to write; defaults to stdout. Tests pass a stream to read lines back. */
  destination?: pino.DestinationStream;
}

/** A pino logger writing JSON lines, with customer data redacted by default. */
export function createLogger(options: LoggerOptions): Logger {
  const customerData = options.customerData ?? process.env.LOG_CUSTOMER_DATA === 'true';
  const pinoOptions: pino.LoggerOptions = {
    name: options.name,
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { pid: process.pid, service: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: customerData ? [] : { paths: CUSTOMER_DATA_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
