/**
 * The committed dashboards (dashboards/generated/*.json) as data: every panel, every query, and
 * the template variables a query uses, substituted the way Grafana would so a test can send the
 * query to a real Prometheus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT } from './levee-process.ts';

export const GENERATED_DIR = join(REPO_ROOT, 'dashboards', 'generated');

export interface PanelTarget {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
  exemplar?: boolean;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: PanelTarget[];
  /** A collapsed row keeps its panels here. */
  panels?: Panel[];
}

export interface TemplateVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  includeAll?: boolean;
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  tags?: string[];
  links?: Array<{ type: string; tags?: string[] }>;
  templating?: { list?: TemplateVariable[] };
  panels?: Panel[];
}

export interface GeneratedDashboard {
  /** The file name without `.json`, as its source is named: dashboards/<name>.jsonnet. */
  name: string;
  path: string;
  /** The file's text, for tests that check it parses. */
  text: string;
  dashboard: Dashboard;
}

export interface DashboardQuery {
  /** The dashboard's file name without `.json` (dashboards/<dashboard>.jsonnet is its source). */
  dashboard: string;
  uid: string;
  panelId: number;
  title: string;
  expr: string;
}

/** Every generated dashboard, parsed, sorted by name. Throws on a file that is not JSON. */
export function generatedDashboards(directory = GENERATED_DIR): GeneratedDashboard[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const path = join(directory, file);
      const text = readFileSync(path, 'utf8');
      return { name: basename(file, '.json'), path, text, dashboard: JSON.parse(text) as Dashboard };
    });
}

/** Every panel of a dashboard, rows included, with the panels nested in (collapsed) rows. */
export function allPanels(dashboard: Dashboard): Panel[] {
  const walk = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...walk(panel.panels ?? [])]);
  return walk(dashboard.panels ?? []);
}

/** Every panel query of every generated dashboard. */
export function dashboardQueries(directory = GENERATED_DIR): DashboardQuery[] {
  return generatedDashboards(directory).flatMap(({ name, dashboard }) =>
    allPanels(dashboard).flatMap((panel) =>
      (panel.targets ?? [])
        .filter((target) => typeof target.expr === 'string' && target.expr.trim() !== '')
        .map((target) => ({ dashboard: name, uid: dashboard.uid, panelId: panel.id, title: panel.title, expr: target.expr! })),
    ),
  );
}

export interface Substitutions {
  /** What `$__rate_interval` becomes, e.g. `20s` (at least four scrape intervals). */
  rateInterval: string;
  job?: string;
  instance?: string;
  /** Any other template variable by name; each one not given becomes `.*` (every query uses `=~`). */
  [variable: string]: string | undefined;
}

/**
 * Replaces Grafana's variables in a query: `$__rate_interval` (and `${__rate_interval}`), then
 * `$name`, `${name}`, `${name:format}` and `[[name]]` for every template variable, defaulting
 * to `.*`; `$datasource` defaults to `prometheus`.
 */
export function substituteVariables(expr: string, substitutions: Substitutions): string {
  const value = (name: string): string => substitutions[name] ?? (name === 'datasource' ? 'prometheus' : '.*');
  return expr
    .replace(/\$\{__rate_interval\}|\$__rate_interval\b/g, substitutions.rateInterval)
    .replace(/\$\{(\w+)(?::[^}]*)?\}|\$(\w+)\b|\[\[(\w+)\]\]/g, (match, braced?: string, bare?: string, bracketed?: string) => {
      const name = braced ?? bare ?? bracketed!;
      // Grafana's other built-ins ($__interval, $__range, ...) are left for the caller to notice.
      return name.startsWith('__') ? match : value(name);
    });
}

/** PromQL words that look like metric names: keywords, aggregation operators, label lists' owners. */
const PROMQL_WORDS = new Set([
  ...['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'le', 'atan2'],
  ...['sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group', 'limitk', 'limit_ratio'],
  ...['inf', 'nan', 'start', 'end'],
]);

export interface MetricSelector {
  metric: string;
  /** The text between the braces, or undefined for a bare metric name. */
  matchers: string | undefined;
}

/**
 * Every metric a PromQL expression selects, with its label matchers: identifiers that are not
 * functions (followed by `(`), keywords, label names (inside `{...}`, `by (...)`, `on (...)`),
 * strings, durations or numbers.
 */
export function metricSelectors(expr: string): MetricSelector[] {
  const matcherBlocks: string[] = [];
  const text = expr
    // Label matchers out first (their strings may hold anything), remembered by index.
    .replace(/\{((?:[^}"'`]|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)*)\}/g, (_match, inner: string) => `{#${matcherBlocks.push(inner) - 1}}`)
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const selectors: MetricSelector[] = [];
  for (const match of text.matchAll(/(?<![\w.:$#])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()(\{#(\d+)\})?/g)) {
    const metric = match[1]!;
    if (PROMQL_WORDS.has(metric.toLowerCase())) continue;
    selectors.push({ metric, matchers: match[3] === undefined ? undefined : matcherBlocks[Number(match[3])] });
  }
  return selectors;
}

/** The metric names a PromQL expression selects (see metricSelectors), deduplicated. */
export function metricNames(expr: string): string[] {
  return [...new Set(metricSelectors(expr).map((selector) => selector.metric))];
}
