// Small builders for Grafana 10+ dashboard JSON (schemaVersion 39): just what the Levee dashboards
// use, so each dashboard file reads as a list of panels and their queries.
local config = import '../config.libsonnet';

// Every panel and target queries the datasource the viewer picks, never a hard-coded uid.
local datasource = { type: 'prometheus', uid: '${datasource}' };

local withRefIds(targets) = [targets[i] { refId: std.char(65 + i) } for i in std.range(0, std.length(targets) - 1)];

// Grafana thresholds from [value, color] pairs above a base color.
local thresholdSteps(steps, base='green') = {
  mode: 'absolute',
  steps: [{ color: base, value: null }] + [{ color: step[1], value: step[0] } for step in steps],
};

local panel(type, title, description, unit, targets, w, h) = {
  type: type,
  title: title,
  description: description,
  datasource: datasource,
  gridPos: { w: w, h: h },
  fieldConfig: { defaults: { unit: unit }, overrides: [] },
  targets: withRefIds(targets),
};

{
  datasource:: datasource,

  // One PromQL query. `exemplar` asks Grafana for trace-id exemplars (latency histograms only).
  target(expr, legend='', exemplar=false):: {
    datasource: datasource,
    editorMode: 'code',
    expr: expr,
    legendFormat: legend,
    range: true,
    exemplar: exemplar,
  },

  // `thresholds` ([value, color] pairs) are drawn as dashed lines: where "bad" starts.
  timeseries(title, description, unit, targets, w=12, h=8, min=null, max=null, thresholds=[], stack=false)::
    panel('timeseries', title, description, unit, targets, w, h) {
      fieldConfig+: {
        defaults+: {
          custom: {
            fillOpacity: if stack then 30 else 10,
            showPoints: 'never',
            stacking: { mode: if stack then 'normal' else 'none' },
            thresholdsStyle: { mode: if thresholds == [] then 'off' else 'dashed' },
          },
          thresholds: thresholdSteps(thresholds),
        } + (if min != null then { min: min } else {}) + (if max != null then { max: max } else {}),
      },
      options: {
        legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'] },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },

  stat(title, description, unit, targets, w=6, h=4, thresholds=[], base='green', mappings=[])::
    panel('stat', title, description, unit, targets, w, h) {
      fieldConfig+: { defaults+: { thresholds: thresholdSteps(thresholds, base), mappings: mappings, color: { mode: 'thresholds' } } },
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'background',
        graphMode: 'area',
        textMode: 'value_and_name',
      },
    },

  // A discrete state over time; `states` maps each numeric value to [text, color].
  stateTimeline(title, description, targets, states, w=24, h=6)::
    panel('state-timeline', title, description, 'none', targets, w, h) {
      fieldConfig+: {
        defaults+: {
          color: { mode: 'thresholds' },
          thresholds: thresholdSteps([]),
          mappings: [{
            type: 'value',
            options: {
              [std.toString(state.value)]: { text: state.text, color: state.color, index: state.value }
              for state in states
            },
          }],
        },
      },
      options: { mergeValues: true, showValue: 'never', rowHeight: 0.9, legend: { showLegend: false } },
    },

  row(title):: { type: 'row', title: title, collapsed: false, panels: [], gridPos: { w: 24, h: 1 } },

  // Flows panels left to right over Grafana's 24 columns, wrapping when one does not fit; a row
  // starts a new line. Ids follow the order, so they are unique and stable across re-renders.
  layout(items)::
    local step(state, item) =
      if item.type == 'row' then
        local y = state.y + state.lineHeight;
        state { x: 0, y: y + 1, lineHeight: 0, placed+: [item { gridPos+: { x: 0, y: y } }] }
      else
        local wraps = state.x + item.gridPos.w > 24;
        local x = if wraps then 0 else state.x;
        local y = if wraps then state.y + state.lineHeight else state.y;
        state {
          x: x + item.gridPos.w,
          y: y,
          lineHeight: if wraps then item.gridPos.h else std.max(state.lineHeight, item.gridPos.h),
          placed+: [item { gridPos+: { x: x, y: y } }],
        };
    local placed = std.foldl(step, items, { x: 0, y: 0, lineHeight: 0, placed: [] }).placed;
    [placed[i] { id: i + 1 } for i in std.range(0, std.length(placed) - 1)],

  variables:: {
    datasource: {
      name: 'datasource',
      label: 'Data source',
      type: 'datasource',
      query: 'prometheus',
      current: {},
      hide: 0,
      refresh: 1,
      regex: '',
    },

    // A multi-value label filter used as `label=~"$name"`, so "All" is `.*`.
    query(name, label, query, default='$__all'):: {
      name: name,
      label: label,
      type: 'query',
      datasource: datasource,
      query: { query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
      definition: query,
      refresh: 2,
      sort: 1,
      includeAll: true,
      multi: true,
      allValue: '.*',
      current: if default == '$__all' then { text: ['All'], value: ['$__all'] } else { text: [default], value: [default] },
      hide: 0,
      regex: '',
    },

    job: self.query('job', 'Job', 'label_values(up, job)', default=config.leveeJob),
    instance: self.query('instance', 'Instance', 'label_values(up{job=~"$job"}, instance)'),
  },

  // A whole dashboard: the shared variables first, then `variables` of its own.
  dashboard(name, title, description, items, variables=[]):: {
    uid: config.dashboards.uidPrefix + name,
    title: title,
    description: description,
    tags: config.dashboards.tags,
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,  // shared crosshair: line up a latency spike with the breaker opening
    timezone: 'browser',
    refresh: config.dashboards.refresh,
    time: { from: config.dashboards.timeFrom, to: 'now' },
    annotations: { list: [] },
    templating: { list: [$.variables.datasource, $.variables.job, $.variables.instance] + variables },
    links: [
      // The other Levee dashboards, carrying the time range and variables along.
      { type: 'dashboards', title: 'Levee', tags: config.dashboards.tags, asDropdown: true, includeVars: true, keepTime: true },
      // Exemplar dots link to their trace through the Prometheus datasource's exemplar setting;
      // this opens the trace backend for a search by hand.
      {
        type: 'link',
        title: 'Traces',
        icon: 'external link',
        url: '/explore?left=%7B%22datasource%22:%22' + config.dashboards.tracesDatasourceUid + '%22%7D',
        keepTime: true,
      },
    ],
    panels: $.layout(items),
  },
}
