import { join } from 'node:path';
import { buildDashboard } from './build';
import { decisions } from './dashboards/decisions';
import { overview } from './dashboards/overview';
import { predictions } from './dashboards/predictions';
import type { DashboardSpec } from './spec';

export { buildDashboard } from './build';
export type { DashboardSpec, PanelSpec, Pending, QuerySpec, RowSpec } from './spec';

/** The dashboards, in the order of their files. */
export const DASHBOARDS: readonly DashboardSpec[] = [overview, predictions, decisions];

/** Where the generated JSON lives (committed; provisioned by the Helm chart, importable into any Grafana). */
export const DASHBOARDS_DIR = join(__dirname, '..', '..', 'dashboards');

/** The generated file of a dashboard: `dashboards/<uid>.json`. */
export function dashboardFile(spec: DashboardSpec): string {
  return join(DASHBOARDS_DIR, `${spec.uid}.json`);
}

/** A dashboard's JSON as written to its file. */
export function dashboardJson(spec: DashboardSpec): string {
  return `${JSON.stringify(buildDashboard(spec), null, 2)}\n`;
}

/** A query made runnable outside Grafana: its interval macros replaced by a fixed window. */
export function runnableQuery(expr: string, window = '1m'): string {
  return expr.replaceAll('$__rate_interval', window).replaceAll('$__interval', window);
}
