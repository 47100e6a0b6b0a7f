import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The package root (`deploy/prometheus`), where `rules/` and `tests/` are. */
export const PROMETHEUS_DIR = join(__dirname, '..', '..');

/** The rule file: recording rules and alerts, loaded by the local stack's Prometheus and shipped by the Helm chart. */
export const RULES_FILE = join(PROMETHEUS_DIR, 'rules', 'creditstream.rules.yml');

/** The `promtool test rules` unit test files of {@link RULES_FILE} (`tests/*.test.yml`). */
export function ruleTestFiles(): string[] {
  const dir = join(PROMETHEUS_DIR, 'tests');
  return readdirSync(dir).filter((f) => f.endsWith('.test.yml')).sort().map((f) => join(dir, f));
}

/** One rule of the file, as Prometheus reads it. */
export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The rule groups of {@link RULES_FILE}. */
export function ruleGroups(file: string = RULES_FILE): { name: string; rules: Rule[] }[] {
  return (parse(readFileSync(file, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups;
}

/** Every alert rule, in file order. */
export function alerts(file: string = RULES_FILE): (Rule & { alert: string })[] {
  return ruleGroups(file).flatMap((g) => g.rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined));
}

/** docs/operations.md, whose metrics catalogue is generated. */
export const OPERATIONS_DOC = join(PROMETHEUS_DIR, '..', '..', 'docs', 'operations.md');

/** `doc` with the part between the metrics-catalogue markers replaced by `catalogue` (which carries the markers). */
export function replaceCatalogue(doc: string, catalogue: string): string {
  const start = doc.indexOf('<!-- metrics-catalogue:start');
  const end = doc.indexOf('<!-- metrics-catalogue:end -->');
  if (start < 0 || end < start) throw new Error('docs/operations.md has no <!-- metrics-catalogue:start ... --> … <!-- metrics-catalogue:end --> markers');
  return `${doc.slice(0, start)}${catalogue}${doc.slice(end + '<!-- metrics-catalogue:end -->'.length)}`;
}
