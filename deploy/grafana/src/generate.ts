import { mkdirSync, writeFileSync } from 'node:fs';
import { DASHBOARDS, DASHBOARDS_DIR, dashboardFile, dashboardJson } from './index';

// `npm run generate -w @creditstream/grafana`: writes dashboards/<uid>.json; a test fails when they are stale.
mkdirSync(DASHBOARDS_DIR, { recursive: true });
for (const spec of DASHBOARDS) {
  writeFileSync(dashboardFile(spec), dashboardJson(spec));
  process.stdout.write(`${dashboardFile(spec)}\n`);
}
