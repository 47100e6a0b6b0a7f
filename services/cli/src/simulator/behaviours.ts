import type { PaymentMethod } from '@creditstream/schemas';

/** The latent payment behaviour of a simulated customer. Models only see its consequences in the events. */
export type Behaviour =
  | 'reliable'
  | 'slow-but-steady'
  | 'chronically-late'
  | 'deteriorating'
  | 'seasonal'
  | 'nsf-prone'
  | 'dispute-prone'
  | 'fraudulent';

export const BEHAVIOURS: readonly Behaviour[] = ['reliable', 'slow-but-steady', 'chronically-late', 'deteriorating', 'seasonal', 'nsf-prone', 'dispute-prone', 'fraudulent'];

export interface BehaviourParams {
  /** Latent lateness score of an ordinary invoice (ordered logit, see lateness.ts); higher = later. */
  readonly baseScore: number;
  /** Chance that an invoice is disputed. */
  readonly disputeRate: number;
  /** Chance that a payment attempt bounces (NSF). */
  readonly nsfRate: number;
  /** Chance that an invoice is paid in two instalments. */
  readonly partialRate: number;
  /** Share of very-late invoices that are never paid and end written off. */
  readonly writeOffShare: number;
  /** Mean days before the due date of an on-time payment. */
  readonly earlyDaysMean: number;
  /** Mean days after the due date of a late (1..30 days) payment. */
  readonly lateDaysMean: number;
  /** Mean days beyond 30 of a very late payment. */
  readonly veryLateExtraMean: number;
  readonly methods: Readonly<Record<PaymentMethod, number>>;
}

const TRANSFER_HEAVY = { BANK_TRANSFER: 0.7, DIRECT_DEBIT: 0.15, CHECK: 0.1, CARD: 0.05, OTHER: 0 } as const;
const CHECK_HEAVY = { BANK_TRANSFER: 0.35, DIRECT_DEBIT: 0.2, CHECK: 0.4, CARD: 0.05, OTHER: 0 } as const;

/** The designed behaviour classes. Tests check that their consequences (late shares, NSF, disputes) show. */
export const BEHAVIOUR_PARAMS: Readonly<Record<Behaviour, BehaviourParams>> = {
  reliable: { baseScore: -2.6, disputeRate: 0.02, nsfRate: 0.002, partialRate: 0.02, writeOffShare: 0.05, earlyDaysMean: 4, lateDaysMean: 5, veryLateExtraMean: 10, methods: TRANSFER_HEAVY },
  'slow-but-steady': { baseScore: 1.4, disputeRate: 0.03, nsfRate: 0.004, partialRate: 0.06, writeOffShare: 0.03, earlyDaysMean: 1.5, lateDaysMean: 11, veryLateExtraMean: 10, methods: TRANSFER_HEAVY },
  'chronically-late': { baseScore: 3.4, disputeRate: 0.05, nsfRate: 0.01, partialRate: 0.15, writeOffShare: 0.12, earlyDaysMean: 1, lateDaysMean: 17, veryLateExtraMean: 35, methods: CHECK_HEAVY },
  deteriorating: { baseScore: -1.6, disputeRate: 0.04, nsfRate: 0.01, partialRate: 0.08, writeOffShare: 0.15, earlyDaysMean: 3, lateDaysMean: 12, veryLateExtraMean: 30, methods: TRANSFER_HEAVY },
  seasonal: { baseScore: -1.4, disputeRate: 0.03, nsfRate: 0.005, partialRate: 0.1, writeOffShare: 0.04, earlyDaysMean: 3, lateDaysMean: 12, veryLateExtraMean: 20, methods: TRANSFER_HEAVY },
  'nsf-prone': { baseScore: 0.4, disputeRate: 0.03, nsfRate: 0.22, partialRate: 0.12, writeOffShare: 0.1, earlyDaysMean: 2, lateDaysMean: 12, veryLateExtraMean: 25, methods: CHECK_HEAVY },
  'dispute-prone': { baseScore: -0.8, disputeRate: 0.3, nsfRate: 0.004, partialRate: 0.05, writeOffShare: 0.05, earlyDaysMean: 2, lateDaysMean: 10, veryLateExtraMean: 20, methods: TRANSFER_HEAVY },
  // A fraudulent new account pays its first invoice to look normal, then stops paying (see lateness.ts).
  fraudulent: { baseScore: 5.5, disputeRate: 0.02, nsfRate: 0.3, partialRate: 0, writeOffShare: 0.95, earlyDaysMean: 5, lateDaysMean: 10, veryLateExtraMean: 30, methods: CHECK_HEAVY },
};

/** Shares of the established customer base (fraudulent accounts only arrive as new accounts). */
export const ESTABLISHED_MIX: Readonly<Record<Behaviour, number>> = {
  reliable: 0.36,
  'slow-but-steady': 0.18,
  'chronically-late': 0.1,
  deteriorating: 0.08,
  seasonal: 0.1,
  'nsf-prone': 0.08,
  'dispute-prone': 0.1,
  fraudulent: 0,
};

/** Shares among accounts opened during the simulation. */
export const NEW_ACCOUNT_MIX: Readonly<Record<Behaviour, number>> = {
  reliable: 0.25,
  'slow-but-steady': 0.12,
  'chronically-late': 0.08,
  deteriorating: 0.04,
  seasonal: 0.05,
  'nsf-prone': 0.06,
  'dispute-prone': 0.05,
  fraudulent: 0.35,
};
