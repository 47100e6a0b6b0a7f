import { FraudRulesConflictError } from '../errors';
import { canonicalJson, sha256 } from './parse';
import type { FraudRuleSet, PublishedRuleSet } from './rule-set';

/** Rule sets a task keeps (the latest by business time): older ones only ever checked orders long past. */
export const KEPT_RULE_SETS = 8;

/** A rule set in force from the beginning of time: the built-in one, or the service's configured default. */
export function initialRuleSet(rules: FraudRuleSet): PublishedRuleSet {
  return { version: rules.version, effectiveAt: Number.NEGATIVE_INFINITY, sha256: sha256(canonicalJson(rules)), rules };
}

/**
 * The rule set that checks an order placed at `time` (business time, ms): the latest published one effective at or
 * before it, else the initial one. Published rule sets are sorted by effective time (ties: publication order).
 */
export function ruleSetAt(published: readonly PublishedRuleSet[], initial: PublishedRuleSet, time: number): PublishedRuleSet {
  for (let i = published.length - 1; i >= 0; i--) {
    const r = published[i] as PublishedRuleSet;
    if (r.effectiveAt <= time) return r;
  }
  return initial;
}

/**
 * Adds a published rule set to a task's list, in effective-time order, keeping the latest {@link KEPT_RULE_SETS}.
 * The same version with the same document again (the copy a replay reads again) changes nothing.
 * @returns whether the list changed
 * @throws FraudRulesConflictError when the version is known with another document
 */
export function addRuleSet(published: PublishedRuleSet[], entry: PublishedRuleSet): boolean {
  const known = published.find((r) => r.version === entry.version);
  if (known !== undefined) {
    if (known.sha256 !== entry.sha256) throw new FraudRulesConflictError(entry.version, known.sha256, entry.sha256);
    return false;
  }
  let at = published.length;
  while (at > 0 && (published[at - 1] as PublishedRuleSet).effectiveAt > entry.effectiveAt) at--;
  published.splice(at, 0, entry);
  if (published.length > KEPT_RULE_SETS) published.splice(0, published.length - KEPT_RULE_SETS);
  return true;
}
