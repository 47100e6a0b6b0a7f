import type { AccountStatus } from './generated/events';

/**
 * How a consumer folds an `AccountStatusChanged`: the new status, unless the change is a stale block. A block asked
 * of an account believed active (`previousStatus` ACTIVE) no longer applies once the account is not active: the
 * collections service stamps its letters' blocks at the end of their run's day (libs/streams `awaitsDailyRun`), and a
 * person may have closed or blocked the account since — a closed account must not become merely blocked. Every
 * service that keeps an account status folds it through this, so they agree.
 */
export function accountStatusAfter(current: AccountStatus, change: { status: AccountStatus; previousStatus: AccountStatus | null }): AccountStatus {
  if (change.status === 'BLOCKED' && change.previousStatus === 'ACTIVE' && current !== 'ACTIVE') return current;
  return change.status;
}
