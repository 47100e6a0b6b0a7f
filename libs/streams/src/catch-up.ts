/**
 * Whether a task is more than a commit interval of work behind, judged at its commit timer: during the interval
 * that just ended it took `taken` records, fewer than the `lagBefore` that were waiting when the interval began, and
 * `lagNow` records are still waiting. A task that took nothing was waiting (for a lagging topic, another service's
 * progress, the broker or the store), not short of time; one with nothing left to do has caught up.
 */
export function behindByAnInterval(lagBefore: number, taken: number, lagNow: number): boolean {
  return lagNow > 0 && taken > 0 && taken < lagBefore;
}
