import { DASHBOARDS, runnableQuery, type PanelSpec } from '@creditstream/grafana';
import { ruleGroups } from '@creditstream/prometheus-rules';
import { waitFor } from '@creditstream/testing';

interface QueryResult {
  status: 'success' | 'error';
  error?: string;
  data?: { result: unknown[] };
}

/** One instant query against the real Prometheus; a query Prometheus refuses throws with its error. */
export async function instantQuery(prometheusUrl: string, expr: string): Promise<unknown[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as QueryResult;
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error ?? response.status}`);
  return body.data?.result ?? [];
}

/** What the check found: panels that returned data, pending panels that (rightly) returned nothing, failures. */
export interface DashboardCheck {
  withData: string[];
  pending: string[];
  failures: string[];
}

/**
 * Runs every panel query of every dashboard against Prometheus. A panel of a service that exists must return
 * data (polled until it does: a rate needs two scrapes); a panel marked pending (its service or metric does not
 * exist yet) must return nothing, so the mark goes once the metric arrives. A query Prometheus refuses fails
 * either way. Every rule expression of deploy/prometheus must be accepted, and the recording rules must return data.
 */
export async function checkDashboardsAndRules(prometheusUrl: string, timeoutMs: number): Promise<DashboardCheck> {
  const result: DashboardCheck = { withData: [], pending: [], failures: [] };
  const deadline = Date.now() + timeoutMs;
  const panels: [string, PanelSpec][] = DASHBOARDS.flatMap((d) => d.rows.flatMap((r) => r.panels.map((p): [string, PanelSpec] => [`${d.uid} / ${p.title}`, p])));
  for (const [name, panel] of panels) {
    for (const query of panel.queries) {
      const expr = runnableQuery(query.expr);
      try {
        if (panel.pending) {
          const series = await instantQuery(prometheusUrl, expr);
          if (series.length > 0) result.failures.push(`${name}: marked pending on ${panel.pending.service} but returns data now; remove the mark: ${expr}`);
          else result.pending.push(`${name} (${panel.pending.service})`);
        } else {
          await waitFor(`data for ${name}`, async () => ((await instantQuery(prometheusUrl, expr)).length > 0 ? true : undefined), { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 1_000 });
          result.withData.push(name);
        }
      } catch (err) {
        result.failures.push(`${name}: ${err instanceof Error ? err.message : String(err)} (${expr})`);
      }
    }
  }
  // The local Prometheus does not load the rules, so a rule that reads a recorded series is run with that series'
  // own expression in its place (a range over it becomes a subquery).
  const recorded = new Map<string, string>();
  const expand = (expr: string) =>
    [...recorded].reduce((e, [name, definition]) => e.split(name).map((part, i) => (i === 0 ? part : `(${definition})${part.replace(/^\[(\w+)\]/, '[$1:]')}`)).join(''), expr);
  for (const group of ruleGroups()) {
    for (const rule of group.rules) {
      const name = rule.alert ?? rule.record ?? '?';
      const expr = expand(rule.expr);
      if (rule.record !== undefined) recorded.set(rule.record, expr);
      try {
        const series = await instantQuery(prometheusUrl, expr);
        if (rule.record !== undefined && series.length === 0) result.failures.push(`recording rule ${name} returns nothing: ${expr}`);
      } catch (err) {
        result.failures.push(`rule ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return result;
}
