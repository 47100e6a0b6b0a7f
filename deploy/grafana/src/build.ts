import * as common from '@grafana/grafana-foundation-sdk/common';
import { DashboardBuilder, DatasourceVariableBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { DashboardSpec, PanelSpec } from './spec';

/** Every panel reads the data source picked in the dashboard's `datasource` variable. */
const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
const WIDTH = 8;
const HEIGHT = 8;

function description(panel: PanelSpec): string {
  return panel.pending ? `${panel.description}\n\nPending: ${panel.pending.reason} (${panel.pending.service}).` : panel.description;
}

function targets(panel: PanelSpec): DataqueryBuilder[] {
  return panel.queries.map((q, i) => {
    const query = new DataqueryBuilder().expr(q.expr).legendFormat(q.legend).refId(String.fromCharCode(65 + i));
    return q.heatmap ? query.format(PromQueryFormat.Heatmap) : query;
  });
}

type AnyPanelBuilder = timeseries.PanelBuilder | stat.PanelBuilder | heatmap.PanelBuilder;

function panelBuilder(panel: PanelSpec): AnyPanelBuilder {
  switch (panel.kind) {
    case 'timeseries': {
      const b = new timeseries.PanelBuilder()
        .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true))
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
        .fillOpacity(panel.stacked ? 30 : 10);
      return panel.stacked ? b.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal)) : b;
    }
    case 'stat':
      return new stat.PanelBuilder().reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull'])).graphMode(common.BigValueGraphMode.None);
    case 'heatmap':
      return new heatmap.PanelBuilder().calculate(false).yAxis(new heatmap.YAxisConfigBuilder().unit(panel.unit));
  }
}

/** A Grafana dashboard (JSON model) from its spec, built with the Grafana Foundation SDK. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['creditstream', 'generated'])
    .editable()
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'));
  let id = 0;
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title).id(++id));
    for (const panel of row.panels) {
      const b = panelBuilder(panel).id(++id).title(panel.title).description(description(panel)).unit(panel.unit).datasource(DATASOURCE).span(WIDTH).height(HEIGHT);
      for (const t of targets(panel)) b.withTarget(t);
      builder.withPanel(b);
    }
  }
  return builder.build();
}
