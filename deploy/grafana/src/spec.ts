/**
 * Dashboards as data: each panel's title, meaning, unit and PromQL. `build.ts` turns them into Grafana dashboards
 * with the Grafana Foundation SDK; the tests run every query against a real Prometheus.
 */

/** One PromQL query of a panel; `$__rate_interval` is Grafana's, the tests substitute a window for it. */
export interface QuerySpec {
  expr: string;
  /** Series name in the legend, e.g. `{{service}}`. */
  legend: string;
  /** The query returns histogram buckets for a heatmap. */
  heatmap?: boolean;
}

/**
 * A panel whose metrics no running service exports yet: the service does not exist (credit, fraud, collections),
 * or exists but does not export the metric yet. The panel is the contract that service implements; the
 * returns-data test skips nothing silently: it asserts such a panel's queries return nothing, so the mark has to go
 * when the metric arrives.
 */
export interface Pending {
  service: string;
  reason: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  kind: 'timeseries' | 'stat' | 'heatmap';
  /** Grafana unit id: `ops`, `s`, `short`, `bytes`, `percentunit`, ... */
  unit: string;
  queries: QuerySpec[];
  pending?: Pending;
  /** Stack the series (shares of a whole). */
  stacked?: boolean;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  rows: RowSpec[];
}

/** Both ways of consuming: the consumer runner's standard metrics and the partition-task runtime's. */
export const INPUT_RECORDS = '{__name__=~"creditstream_task_records_total|creditstream_consumer_messages_total", outcome="processed"}';
export const LAG_MESSAGES = 'sum by (service) ({__name__=~"creditstream_consumer_lag_messages|creditstream_task_buffered_records"})';
