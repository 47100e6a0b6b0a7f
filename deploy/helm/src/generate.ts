import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CHART_DIR, generatedChartFiles } from './index';

// `npm run generate -w @creditstream/helm`: the topic table, alert rules and dashboards into the chart's files/.
for (const [path, content] of generatedChartFiles()) {
  const file = join(CHART_DIR, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  process.stdout.write(`${file}\n`);
}
