import { parseIsoDate } from '../calendar/dates';
import { CliOptionError } from '../errors';
import { type EngineOptions, Simulation } from './engine';
import type { OutputRecord, SimRecord } from './records';

export type { Behaviour } from './behaviours';
export { BEHAVIOURS } from './behaviours';
export type { Bucket } from './lateness';
export type { CreditRecord, CreditSimRecord, EventRecord, FraudPattern, FraudTruth, InputEvent, InvoiceTruth, OutputRecord, SimRecord } from './records';

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Seed of every random choice: the same seed (and options) gives the same output, byte for byte. */
  seed: number;
  /** Number of customers (about 10% open their account during the simulation). */
  customers: number;
  /** Calendar days to simulate. */
  days: number;
  /** First business date, `YYYY-MM-DD`. @default '2024-01-01' */
  start?: string;
  /** Partitions of the clock topic (one tick per partition per business day). @default 6 */
  partitions?: number;
}

/** Options of {@link simulateWithCreditGroups}. */
export interface SimulateWithCreditGroupsOptions extends SimulateOptions {
  /**
   * Credit groups to form (customers sharing one credit limit): the first `4 × creditGroups` customers join group
   * `index % creditGroups` of their currency, and each group gets a limit.
   */
  creditGroups: number;
}

/** The business date the simulation starts at unless `start` is given. */
export const DEFAULT_START = '2024-01-01';

function positiveInt(value: unknown, option: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new CliOptionError(option, `option ${option}=${JSON.stringify(value)} is invalid: expected an integer from 1 to ${max}`);
  }
  return value;
}

/**
 * Validates simulation options once. @throws CliOptionError naming the first invalid option.
 */
export function compileSimulateOptions(options: SimulateOptions & { creditGroups?: number }): EngineOptions {
  const seed = options.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new CliOptionError('seed', `option seed=${JSON.stringify(seed)} is invalid: expected a non-negative integer`);
  const customers = positiveInt(options.customers, 'customers', 10_000_000);
  const days = positiveInt(options.days, 'days', 36_500);
  const partitions = positiveInt(options.partitions ?? 6, 'partitions', 10_000);
  const creditGroups = options.creditGroups === undefined || options.creditGroups === 0 ? 0 : positiveInt(options.creditGroups, 'creditGroups', 1_000_000);
  const start = options.start ?? DEFAULT_START;
  const startDay = parseIsoDate(start);
  if (startDay === null) throw new CliOptionError('start', `option start=${JSON.stringify(start)} is invalid: expected a date YYYY-MM-DD`);
  return { seed, customers, days, startDay, partitions, creditGroups };
}

/**
 * Simulates a company: customers with latent payment behaviours, orders, shipments, invoices, payments, NSF returns,
 * disputes, credit notes, write-offs, credit limits, account status and business-day ticks. Pure and deterministic
 * (no clock, no I/O). Yields each business day's records in event-time order; each InvoiceIssued is followed by the
 * invoice's ground truth.
 * @throws CliOptionError naming the first invalid option (before the first day is yielded).
 */
export function simulate(options: SimulateOptions): Generator<SimRecord[]> {
  // Without credit groups the engine yields no credit records.
  return new Simulation({ ...compileSimulateOptions(options), creditGroups: 0 }).run() as Generator<SimRecord[]>;
}

/**
 * {@link simulate}, plus credit groups: the same records (every one, byte for byte) and, on each member's
 * registration, its SetCreditGroup command and, for the group's first member, the group limit.
 * @throws CliOptionError naming the first invalid option.
 */
export function simulateWithCreditGroups(options: SimulateWithCreditGroupsOptions): Generator<OutputRecord[]> {
  return new Simulation(compileSimulateOptions(options)).run();
}
