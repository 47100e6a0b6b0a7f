import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DASHBOARDS, dashboardFile, dashboardJson } from '@creditstream/grafana';
import { RULES_FILE } from '@creditstream/prometheus-rules';
import { buildTopics } from '@creditstream/schemas';

/** The chart directory. */
export const CHART_DIR = join(__dirname, '..', '..', 'creditstream');

/** One topic of the chart's `files/topics.json`: `partitions: "keyed"` follows `.Values.kafka.partitions`. */
export interface ChartTopic {
  name: string;
  partitions: number | 'keyed';
  config: Record<string, string>;
  description: string;
}

/**
 * The topic table (schemas/src/topics.ts) as the chart reads it. A topic whose partition count follows the
 * configured count is "keyed" (found by building the table for two counts); the others keep their own.
 */
export function chartTopics(): ChartTopic[] {
  const a = buildTopics(6);
  const b = buildTopics(7);
  return a.map((t, i) => ({
    name: t.name,
    partitions: b[i]?.partitions === t.partitions ? t.partitions : 'keyed',
    config: Object.fromEntries(t.configEntries.map((e) => [e.name, e.value])),
    description: t.description,
  }));
}

/** Every file the chart carries that is generated from the code, by its path in the chart, with its content. */
export function generatedChartFiles(): Map<string, string> {
  const files = new Map<string, string>();
  files.set('files/topics.json', `${JSON.stringify({ topics: chartTopics() }, null, 2)}\n`);
  files.set(`files/${basename(RULES_FILE)}`, readFileSync(RULES_FILE, 'utf8'));
  for (const spec of DASHBOARDS) files.set(`files/dashboards/${basename(dashboardFile(spec))}`, dashboardJson(spec));
  return files;
}
