import type { CreditLimitType } from '@creditstream/schemas';
import { minorUnitDigits } from '@creditstream/schemas';
import { type Behaviour, BEHAVIOUR_PARAMS, type BehaviourParams, ESTABLISHED_MIX, NEW_ACCOUNT_MIX } from './behaviours';
import type { Prng } from './prng';

export type Segment = 'enterprise' | 'mid-market' | 'small-business';

interface SegmentParams {
  readonly weight: number;
  /** Orders per business day. */
  readonly orderRate: number;
  /** Median order value in USD. */
  readonly medianOrderUsd: number;
  readonly terms: Readonly<Record<string, number>>;
}

const SEGMENTS: Readonly<Record<Segment, SegmentParams>> = {
  enterprise: { weight: 0.15, orderRate: 0.6, medianOrderUsd: 12_000, terms: { '30': 0.3, '45': 0.4, '60': 0.3 } },
  'mid-market': { weight: 0.35, orderRate: 0.25, medianOrderUsd: 3_500, terms: { '15': 0.1, '30': 0.6, '45': 0.2, '60': 0.1 } },
  'small-business': { weight: 0.5, orderRate: 0.08, medianOrderUsd: 800, terms: { '15': 0.3, '30': 0.7 } },
};

interface Country {
  readonly currency: string;
  /** Units of the currency per USD (fixed: exchange-rate noise is not what the models should learn). */
  readonly perUsd: number;
  readonly suffix: string;
}

const US: Country = { currency: 'USD', perUsd: 1, suffix: 'Inc.' };
const COUNTRIES: Readonly<Record<string, Country>> = {
  US,
  GB: { currency: 'GBP', perUsd: 0.8, suffix: 'Ltd' },
  DE: { currency: 'EUR', perUsd: 0.92, suffix: 'GmbH' },
  FR: { currency: 'EUR', perUsd: 0.92, suffix: 'SARL' },
  NL: { currency: 'EUR', perUsd: 0.92, suffix: 'B.V.' },
  ES: { currency: 'EUR', perUsd: 0.92, suffix: 'S.L.' },
  IT: { currency: 'EUR', perUsd: 0.92, suffix: 'S.r.l.' },
  CA: { currency: 'CAD', perUsd: 1.36, suffix: 'Corp.' },
  AU: { currency: 'AUD', perUsd: 1.5, suffix: 'Pty Ltd' },
  JP: { currency: 'JPY', perUsd: 150, suffix: 'K.K.' },
};
const COUNTRY_MIX: Readonly<Record<string, number>> = { US: 0.35, GB: 0.12, DE: 0.12, FR: 0.08, NL: 0.05, ES: 0.05, IT: 0.05, CA: 0.08, AU: 0.06, JP: 0.04 };

const NAME_A = ['Northwind', 'Bluebird', 'Granite', 'Silverline', 'Harbor', 'Evergreen', 'Summit', 'Redwood', 'Pioneer', 'Atlas', 'Cobalt', 'Meridian', 'Oakridge', 'Lakeside', 'Ironbridge', 'Sunrise'];
const NAME_B = ['Logistics', 'Foods', 'Supplies', 'Industries', 'Retail', 'Builders', 'Pharma', 'Textiles', 'Electronics', 'Farms', 'Motors', 'Outfitters', 'Systems', 'Hospitality'];

/** Everything latent about a simulated customer, fixed when it is created. */
export interface CustomerProfile {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly country: string;
  readonly currency: string;
  /** Minor units per USD: converts USD amounts to this customer's currency minor units. */
  readonly minorPerUsd: number;
  /** Minor units per unit of the currency (100 for USD, 1 for JPY). */
  readonly minorPerMajor: number;
  readonly segment: Segment;
  readonly behaviour: Behaviour;
  readonly params: BehaviourParams;
  readonly netDays: number;
  readonly groupId: string | null;
  readonly paperless: boolean;
  /** Day number the account is registered in the simulation (the start day for established customers). */
  readonly registerDay: number;
  /** Day number the account was opened (before the start for established customers: tenure). */
  readonly openedOnDay: number;
  readonly orderRate: number;
  readonly medianOrderUsd: number;
  /** Per-customer lateness offset (unobserved heterogeneity within a behaviour class). */
  readonly randomEffect: number;
  /** Month 1..12 of peak business for seasonal customers. */
  readonly peakMonth: number;
  /** Day number from which a deteriorating customer's lateness grows, and how fast (score per day). */
  readonly deteriorationOnset: number;
  readonly deteriorationPerDay: number;
  /** A period without orders (day numbers, inclusive start, exclusive end); equal when none. */
  readonly dormantFrom: number;
  readonly dormantTo: number;
  readonly limitType: CreditLimitType;
  readonly unlimited: boolean;
  /** 0 = no credit: every order is checked. */
  readonly noCredit: boolean;
}

/**
 * A fraudulent account orders this many times more often, and this much larger, than the ordinary business of its
 * segment it claims to be when it applies for credit (its credit limit is sized on the claim).
 */
export const FRAUD_ORDER_RATE_FACTOR = 4;
export const FRAUD_ORDER_SIZE_FACTOR = 4;

/** Customer id of the customer with 0-based `index`. */
export function customerIdOf(index: number): string {
  return `C${String(index + 1).padStart(6, '0')}`;
}

/**
 * Creates customer `index` from its own random stream. Established customers (about 90%) exist from `startDay`
 * with some years of tenure; the others open their account during the simulation, and a third of those are
 * fraudulent new accounts.
 */
export function createProfile(index: number, prng: Prng, startDay: number, days: number): CustomerProfile {
  const isNew = prng.chance(0.1) && days > 30;
  const behaviour = prng.weighted(isNew ? NEW_ACCOUNT_MIX : ESTABLISHED_MIX);
  const segment = behaviour === 'fraudulent' ? prng.weighted({ 'mid-market': 0.5, 'small-business': 0.5 }) : prng.weighted(Object.fromEntries(Object.entries(SEGMENTS).map(([k, v]) => [k, v.weight])) as Record<Segment, number>);
  const seg = SEGMENTS[segment];
  const countryCode = prng.weighted(COUNTRY_MIX);
  const country = COUNTRIES[countryCode] ?? US;
  const registerDay = isNew ? startDay + prng.int(5, Math.max(6, Math.floor(days * 0.8))) : startDay;
  const openedOnDay = isNew ? registerDay : startDay - prng.int(60, 365 * 12);
  const dormant = behaviour !== 'fraudulent' && prng.chance(0.08) && days > 200;
  const dormantFrom = dormant ? startDay + prng.int(30, days - 150) : startDay;
  return {
    index,
    id: customerIdOf(index),
    name: `${prng.pick(NAME_A)} ${prng.pick(NAME_B)} ${country.suffix}`,
    country: countryCode,
    currency: country.currency,
    minorPerUsd: country.perUsd * 10 ** minorUnitDigits(country.currency),
    minorPerMajor: 10 ** minorUnitDigits(country.currency),
    segment,
    behaviour,
    params: BEHAVIOUR_PARAMS[behaviour],
    netDays: Number(prng.weighted(seg.terms)),
    groupId: segment === 'enterprise' ? 'key-accounts' : behaviour === 'fraudulent' || prng.chance(0.7) ? null : `region-${countryCode.toLowerCase()}`,
    paperless: prng.chance(segment === 'small-business' ? 0.5 : 0.75),
    registerDay,
    openedOnDay,
    orderRate: seg.orderRate * prng.logNormal(1, 0.4) * (behaviour === 'fraudulent' ? FRAUD_ORDER_RATE_FACTOR : 1),
    medianOrderUsd: seg.medianOrderUsd * prng.logNormal(1, 0.5) * (behaviour === 'fraudulent' ? FRAUD_ORDER_SIZE_FACTOR : 1),
    randomEffect: prng.normal() * 0.5,
    peakMonth: prng.int(1, 12),
    deteriorationOnset: startDay + Math.floor(days * prng.uniform(0.1, 0.5)),
    deteriorationPerDay: prng.uniform(0.012, 0.025),
    dormantFrom,
    dormantTo: dormant ? dormantFrom + prng.int(60, 120) : dormantFrom,
    limitType: prng.chance(0.2) ? 'BALANCE_AND_OPEN_ORDERS' : 'BALANCE',
    unlimited: segment === 'enterprise' && prng.chance(0.08),
    noCredit: segment === 'small-business' && behaviour !== 'fraudulent' && prng.chance(0.04),
  };
}
