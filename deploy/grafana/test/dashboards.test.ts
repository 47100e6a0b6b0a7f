import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DASHBOARDS, dashboardFile, dashboardJson } from '../src';

describe('Grafana dashboards (pure)', () => {
  for (const spec of DASHBOARDS) {
    it(`${spec.uid}: the committed JSON is what the code generates (npm run generate -w @creditstream/grafana)`, () => {
      assert.equal(readFileSync(dashboardFile(spec), 'utf8'), dashboardJson(spec));
    });

    it(`${spec.uid}: panels have unique ids, the datasource variable, queries with refIds, and name what they are pending on`, () => {
      const dashboard = JSON.parse(dashboardJson(spec)) as { panels: { id: number; type: string; title: string; description?: string; datasource?: { uid: string }; targets?: { expr: string; refId: string }[] }[] };
      const ids = dashboard.panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `duplicate panel ids: ${ids.join(',')}`);
      const specs = new Map(spec.rows.flatMap((r) => r.panels).map((p) => [p.title, p]));
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        assert.equal(panel.datasource?.uid, '${datasource}', panel.title);
        assert.ok((panel.targets ?? []).length > 0 && panel.targets?.every((t) => t.expr.includes('creditstream_') || t.expr.includes('process_') || t.expr.includes('up{')), panel.title);
        const pending = specs.get(panel.title)?.pending;
        if (pending) assert.ok(panel.description?.includes(`Pending: ${pending.reason} (${pending.service})`), panel.title);
      }
    });
  }
});
