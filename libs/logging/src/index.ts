import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Fields that may hold customer data: ids, keys, payloads, amounts, and the reasons of refusals (they quote values). */
const CUSTOMER_DATA_FIELDS = ['customerId', 'invoiceId', 'orderId', 'paymentId', 'key', 'payload', 'event', 'amount', 'amountMinor', 'reason'];

/**
 * Paths that may hold customer data, at the top level and one level down. They are redacted unless
 * `LOG_CUSTOMER_DATA=true`, so that log lines can be shipped to shared logging systems without leaking who owes
 * what. A dead-letter line keeps its reason code (`code`); the reason itself quotes the offending values.
 */
export const CUSTOMER_DATA_PATHS: readonly string[] = CUSTOMER_DATA_FIELDS.flatMap((f) => [f, `*.${f}`]);

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

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
    redact: customerData ? [] : { paths: [...CUSTOMER_DATA_PATHS], censor: REDACTED },
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}
