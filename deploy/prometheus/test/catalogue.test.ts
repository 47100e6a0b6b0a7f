import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DASHBOARDS } from '@creditstream/grafana';
import { OPERATIONS_DOC, replaceCatalogue, ruleGroups } from '../src';
import { catalogueMarkdown, codeMetrics } from '../src/catalogue';
import { CONTRACT_METRICS } from '../src/contract';

/** The creditstream metric names an expression reads (histogram series reduced to their metric; recorded series, `level:name:op`, left out). */
function metricsIn(expr: string, histograms: ReadonlySet<string>): string[] {
  return [...expr.matchAll(/(?<![:\w])creditstream_[a-z0-9_]+(?!:)/g)].map((m) => {
    const name = m[0];
    const base = name.replace(/_(bucket|count|sum)$/, '');
    return histograms.has(base) ? base : name;
  });
}

describe('metrics catalogue (docs/operations.md)', () => {
  it('is what the metric definitions generate (npm run generate -w @creditstream/prometheus-rules)', () => {
    const doc = readFileSync(OPERATIONS_DOC, 'utf8');
    assert.equal(doc, replaceCatalogue(doc, catalogueMarkdown()));
  });

  it('lists every metric a dashboard or rule reads, in the code or as a contract, and no contract metric the code already has', () => {
    const code = new Set(codeMetrics().map((m) => m.name));
    const contract = new Set(CONTRACT_METRICS.map((m) => m.name));
    const histograms = new Set([...codeMetrics(), ...CONTRACT_METRICS].filter((m) => m.type === 'histogram').map((m) => m.name));
    const read = new Map<string, string>();
    for (const d of DASHBOARDS) for (const r of d.rows) for (const p of r.panels) for (const q of p.queries) for (const n of metricsIn(q.expr, histograms)) read.set(n, `${d.uid} / ${p.title}`);
    for (const g of ruleGroups()) for (const rule of g.rules) for (const n of metricsIn(rule.expr, histograms)) read.set(n, `rule ${rule.alert ?? rule.record}`);
    const unknown = [...read].filter(([n]) => !code.has(n) && !contract.has(n)).map(([n, where]) => `${n} (${where})`);
    assert.deepEqual(unknown, [], 'metrics read but defined nowhere');
    assert.deepEqual([...contract].filter((n) => code.has(n)), [], 'contract metrics the code defines now: move them out of src/contract.ts');
    assert.ok(code.size >= 30, `only ${code.size} metrics found in the code`);
  });
});
