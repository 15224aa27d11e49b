/**
 * The committed dashboards (dashboards/generated/*.json) follow the conventions every Levee
 * dashboard keeps (variables, datasource, units, descriptions, $__rate_interval, job/instance
 * selectors), name only metrics a real Levee exports, and are what their jsonnet renders today.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { staleTargets } from '../dashboards/lib/jsonnet-render.ts';
import { dashboardTargets } from '../dashboards/render.ts';
import {
  allPanels,
  dashboardQueries,
  generatedDashboards,
  metricNames,
  metricSelectors,
  substituteVariables,
  type Dashboard,
  type Panel,
} from './support/dashboard-queries.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { REPO_ROOT } from './support/levee-process.ts';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';

const run = promisify(execFile);
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const SELECTOR_MATCHERS = ['job=~"$job"', 'instance=~"$instance"'];
/** The one metric Prometheus makes rather than Levee. */
const PROMETHEUS_METRICS = new Set(['up']);

interface DashboardsConfig {
  uidPrefix: string;
  tags: string[];
}

const dashboards = generatedDashboards();
const queries = dashboardQueries();
const isRow = (panel: Panel) => panel.type === 'row';
const variableQuery = (dashboard: Dashboard, name: string) => {
  const variable = dashboard.templating?.list?.find((candidate) => candidate.name === name);
  return { variable, query: typeof variable?.query === 'string' ? variable.query : variable?.query?.query };
};

describe('dashboards', () => {
  let config: DashboardsConfig;
  before(async () => {
    const { stdout } = await run('jsonnet', [join(REPO_ROOT, 'dashboards', 'config.libsonnet')]);
    config = (JSON.parse(stdout) as { dashboards: DashboardsConfig }).dashboards;
  });

  it('are the four Levee dashboards, with the uids and tags from config.libsonnet', () => {
    assert.deepEqual(
      dashboards.map(({ dashboard }) => dashboard.uid).sort(),
      ['ai-usage', 'caches', 'dependencies', 'overview'].map((name) => config.uidPrefix + name),
    );
    for (const { name, dashboard } of dashboards) {
      assert.equal(dashboard.uid, config.uidPrefix + name, `${name}: uid follows the file name`);
      assert.deepEqual(dashboard.tags, config.tags, `${name}: tags`);
      const link = dashboard.links?.find((candidate) => candidate.type === 'dashboards');
      assert.deepEqual(link?.tags, config.tags, `${name}: links to the other dashboards by tag`);
    }
  });

  it('(a) are JSON with a uid, a title, schemaVersion >= 36, unique panel ids and the shared variables', () => {
    for (const { name, text, dashboard } of dashboards) {
      assert.doesNotThrow(() => JSON.parse(text), `${name}: valid JSON`);
      assert.ok(dashboard.uid, `${name}: uid`);
      assert.ok(dashboard.title, `${name}: title`);
      assert.ok(dashboard.schemaVersion >= 36, `${name}: schemaVersion ${dashboard.schemaVersion}`);
      const ids = allPanels(dashboard).map((panel) => panel.id);
      assert.ok(ids.every((id) => Number.isInteger(id)), `${name}: every panel has an id`);
      assert.equal(new Set(ids).size, ids.length, `${name}: panel ids unique: ${ids.join(',')}`);

      const datasource = variableQuery(dashboard, 'datasource');
      assert.equal(datasource.variable?.type, 'datasource', `${name}: datasource variable`);
      assert.equal(datasource.query, 'prometheus', `${name}: datasource variable lists Prometheus datasources`);
      const job = variableQuery(dashboard, 'job');
      assert.deepEqual([job.variable?.type, job.query, job.variable?.includeAll], ['query', 'label_values(up, job)', true], `${name}: job variable`);
      const instance = variableQuery(dashboard, 'instance');
      assert.deepEqual(
        [instance.variable?.type, instance.query, instance.variable?.includeAll],
        ['query', 'label_values(up{job=~"$job"}, instance)', true],
        `${name}: instance variable`,
      );
    }
  });

  it('(b) give every panel a unit and a description, and query the ${datasource} variable', () => {
    const problems: string[] = [];
    for (const { name, dashboard } of dashboards) {
      for (const panel of allPanels(dashboard).filter((candidate) => !isRow(candidate))) {
        const where = `${name} #${panel.id} ${panel.title}`;
        if (!panel.fieldConfig?.defaults?.unit) problems.push(`${where}: no fieldConfig.defaults.unit`);
        if (!panel.description?.trim()) problems.push(`${where}: no description`);
        if (!panel.targets?.length) problems.push(`${where}: no targets`);
        if (JSON.stringify(panel.datasource) !== JSON.stringify(DATASOURCE)) problems.push(`${where}: panel datasource ${JSON.stringify(panel.datasource)}`);
        for (const target of panel.targets ?? []) {
          if (JSON.stringify(target.datasource) !== JSON.stringify(DATASOURCE)) problems.push(`${where} ${target.refId}: target datasource ${JSON.stringify(target.datasource)}`);
          // Latency histograms carry trace-id exemplars; the panel must ask for them.
          if (/histogram_quantile\([^,]+,[^]*_seconds_bucket\{/.test(target.expr ?? '') && target.exemplar !== true) problems.push(`${where} ${target.refId}: latency target without exemplar: true`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('(c) use [$__rate_interval] in every rate, irate and increase, and job/instance in every selector', () => {
    const problems: string[] = [];
    for (const query of queries) {
      const where = `${query.dashboard} #${query.panelId} ${query.title}`;
      for (const call of query.expr.matchAll(/\b(rate|irate|increase)\s*\(/g)) {
        const range = /\[([^\]]*)\]/.exec(query.expr.slice(call.index))?.[1];
        if (range !== '$__rate_interval') problems.push(`${where}: ${call[1]}(...[${range}])`);
      }
      if (/\$__interval\b|\$\{__interval\}/.test(query.expr)) problems.push(`${where}: $__interval`);
      for (const selector of metricSelectors(query.expr)) {
        const matchers = (selector.matchers ?? '').split(',').map((matcher) => matcher.trim());
        for (const wanted of SELECTOR_MATCHERS) if (!matchers.includes(wanted)) problems.push(`${where}: ${selector.metric} without ${wanted}`);
      }
      const dashboard = dashboards.find((candidate) => candidate.name === query.dashboard)!.dashboard;
      const defined = new Set((dashboard.templating?.list ?? []).map((variable) => variable.name));
      for (const variable of query.expr.matchAll(/\$\{?(\w+)/g)) {
        if (!variable[1]!.startsWith('__') && !defined.has(variable[1]!)) problems.push(`${where}: undefined variable $${variable[1]}`);
      }
    }
    assert.ok(queries.length > 0, 'found queries');
    assert.deepEqual(problems, []);
  });

  it('find the metrics in a query and nothing else', () => {
    const expr =
      'histogram_quantile(0.95, sum by (le, route) (rate(a_seconds_bucket{job=~"x", le="1e3"}[5m]))) / ignoring (result) group_left sum(b_total offset 1h) or on() vector(0) * c:recorded';
    assert.deepEqual(metricNames(expr), ['a_seconds_bucket', 'b_total', 'c:recorded']);
    assert.deepEqual(metricSelectors('max(up{job=~"$job", instance=~"$instance"}) - down')[1], { metric: 'down', matchers: undefined });
    assert.equal(
      substituteVariables('rate(x{job=~"$job", d=~"${dependency}", i=~"[[instance]]"}[$__rate_interval])', { rateInterval: '20s', job: 'levee' }),
      'rate(x{job=~"levee", d=~".*", i=~".*"}[20s])',
    );
  });

  describe('(d) against a real Levee', () => {
    let redis: RedisServer;
    let stack: LeveeWithSimulator;
    before(async () => {
      redis = await startRedisServer();
      // Redis and a quota configured, so the metrics only those register are exported too.
      stack = await startLeveeWithSimulator({ REDIS_URL: redis.url, LLM_QUOTA_REQUESTS_PER_MIN: '100000' });
    });
    after(async () => {
      await stack?.stop();
      await redis?.stop();
    });

    it('name only metrics Levee exports (and up)', async () => {
      const text = await (await fetch(`${stack.levee.url}/metrics`)).text();
      const exported = new Set(PROMETHEUS_METRICS);
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
        else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) exported.add(name + suffix);
        else exported.add(name!);
      }
      assert.ok(exported.has('levee_circuit_breaker_state'), 'scraped Levee metrics');
      const unknown = queries.flatMap((query) =>
        metricNames(substituteVariables(query.expr, { rateInterval: '20s' }))
          .filter((name) => !exported.has(name))
          .map((name) => `${query.dashboard} #${query.panelId} ${query.title}: ${name}`),
      );
      assert.deepEqual(unknown, []);
    });
  });

  it('(e) are what their jsonnet renders (run `npm run dashboards` after a change)', async () => {
    assert.deepEqual(await staleTargets(dashboardTargets(), REPO_ROOT), []);
  });
});
