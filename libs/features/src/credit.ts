import type { CreditLimitType } from '@creditstream/schemas';
import type { CustomerState } from './state';

export interface EffectiveCreditLimit {
  limitType: CreditLimitType;
  /** Null when unlimited. 0 means no credit. */
  amountMinor: number | null;
  currency: string;
  temporary: boolean;
  expiresOn: string | null;
  /** True when the (permanent) limit's last valid day is before asOf. */
  expired: boolean;
}

/**
 * The credit limit in force on `asOf`: a temporary limit until its expiry date (inclusive), otherwise the last
 * permanent one; null when no limit was ever set (or only a temporary one that has expired).
 */
export function effectiveCreditLimit(state: CustomerState, asOf: string = state.asOf): EffectiveCreditLimit | null {
  const t = state.creditLimits.temporary;
  const useTemporary = t !== null && (t.expiresOn === null || asOf <= t.expiresOn);
  const limit = useTemporary ? t : state.creditLimits.permanent;
  if (limit === null) return null;
  return {
    limitType: limit.limitType,
    amountMinor: limit.unlimited ? null : limit.amountMinor,
    currency: limit.currency,
    temporary: useTemporary,
    expiresOn: limit.expiresOn,
    expired: limit.expiresOn !== null && asOf > limit.expiresOn,
  };
}
