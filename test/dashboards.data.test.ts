/**
 * Acceptance: every panel returns data. A real Prometheus (1 s scrape and evaluation intervals,
 * configured from alerts/prometheus.jsonnet by stack/monitoring.ts) scrapes a real Levee (with Redis, an outgoing quota
 * and a per-IP rate limit on, so those metrics exist) while the named script
 * `mixedTrafficWithLlmOutage` drives traffic and an LLM outage through the simulator. Then every
 * panel query of dashboards/generated/*.json, its variables substituted as Grafana would, must
 * return at least one series with a finite value through Prometheus's HTTP API.
 *
 * How the queries are evaluated: as range queries over the script's own time span, step = the
 * scrape interval, which is what Grafana sends for a time-series panel showing that span.
 * `$__rate_interval` is 4 × the scrape interval (Grafana's floor), so a rate only sees the last 4 s;
 * an instant query after the script would therefore see idle counters (rate 0, and NaN for every
 * quantile and ratio of rates) and fail for the wrong reason, while an instant query at one chosen
 * moment would need every kind of traffic to fall in the same 4 s. A panel passes when some series
 * has at least one finite point inside the script's span: the panel draws something for it. The
 * range starts when the script starts, so nothing from before the traffic counts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dashboardQueries, substituteVariables } from './support/dashboard-queries.ts';
import { waitFor } from './support/wait-for.ts';
import { startLeveeWithSimulator, type LeveeWithSimulator } from './support/levee-with-simulator.ts';
import { startPrometheus, type PrometheusServer } from '../stack/monitoring.ts';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';
import { startRoutingTraffic } from './support/routing-traffic.ts';
import { mixedTrafficWithLlmOutage, type TrafficSummary } from './support/traffic-script.ts';

const SCRAPE_SECONDS = 1;
const RATE_INTERVAL = `${4 * SCRAPE_SECONDS}s`;

interface RangeResult {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; values?: Array<[number, string]> }> };
}

/** GET /api/v1/query_range; an error answer (bad PromQL) is returned, not thrown, to be reported. */
async function queryRange(prometheusUrl: string, expr: string, start: number, end: number): Promise<RangeResult> {
  const params = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: `${SCRAPE_SECONDS}s` });
  const response = await fetch(`${prometheusUrl}/api/v1/query_range?${params}`);
  return (await response.json()) as RangeResult;
}

describe('dashboards: every panel returns data', () => {
  let redis: RedisServer | undefined;
  let stack: LeveeWithSimulator | undefined;
  let prometheus: PrometheusServer | undefined;
  // A second Levee on a models file with two providers: the routing panels' fallbacks, hedges and misconfigured deployments.
  let routing: Awaited<ReturnType<typeof startRoutingTraffic>> | undefined;

  before(async () => {
    routing = await startRoutingTraffic();
    redis = await startRedisServer();
    stack = await startLeveeWithSimulator({
      REDIS_URL: redis.url,
      // The quota panels need a quota; this one is never reached.
      LLM_QUOTA_REQUESTS_PER_MIN: '100000',
      // The rate-limit decisions panel needs the limiter on (childEnv turns it off); nothing is limited.
      RATE_LIMIT_IP_PER_MIN: '1000000',
    });
    // The embedded store starts on first use (PGlite's first start takes seconds, more on a busy
    // machine): started here, so the traffic script's 10 s request timeout measures Levee, not that.
    const leveeUrl = stack.levee.url;
    await waitFor(async () => ((await fetch(`${leveeUrl}/v1/collections`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined))?.status === 200 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: () => 'the embedded store to start',
    });
    prometheus = await startPrometheus({ leveeTargets: [`127.0.0.1:${stack.levee.port}`, `127.0.0.1:${routing.stack.levee.port}`], interval: `${SCRAPE_SECONDS}s` });
    await waitFor(async () => ((await prometheus!.query('up{job="levee"} == 1')).length === 2 ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: () => 'Prometheus to scrape Levee (up{job="levee"} == 1)',
    });
  });

  after(async () => {
    // Every process, even when one stop fails.
    for (const stop of [() => prometheus?.stop(), () => stack?.stop(), () => routing?.stop(), () => redis?.stop()]) {
      await Promise.resolve(stop()).catch((error: unknown) => console.error('cleanup failed:', error));
    }
  });

  it('answers every panel query with a finite series after mixedTrafficWithLlmOutage', { timeout: 120_000 }, async (t) => {
    const routed = routing!.run(8_000);
    const summary: TrafficSummary = await mixedTrafficWithLlmOutage({ leveeUrl: stack!.levee.url, simulator: stack!.simulator });
    t.diagnostic(`routing traffic: ${JSON.stringify(await routed)}`);
    const describeSummary = () => JSON.stringify(summary, null, 1);
    t.diagnostic(`traffic: ${summary.requests} requests in ${((summary.endedAt - summary.startedAt) / 1000).toFixed(1)} s, ${JSON.stringify(summary.byStatus)}, ` +
      `${JSON.stringify(summary.byErrorCode)}, cache ${JSON.stringify(summary.cache)}, ${summary.completedStreams} streams, breaker opened after ${summary.breakerOpenedAfterMs} ms; ` +
      summary.phases.map((phase) => `${phase.name} ${((phase.endedAt - phase.startedAt) / 1000).toFixed(1)} s`).join(', '));

    // The script did what it says.
    assert.ok((summary.byStatus['200'] ?? 0) > 50, `healthy traffic answered 200\n${describeSummary()}`);
    assert.ok(summary.completedStreams >= 1, `at least one stream completed\n${describeSummary()}`);
    assert.ok(summary.cache.HIT > 0 && summary.cache.MISS > 0, `cache hits and misses\n${describeSummary()}`);
    assert.ok(summary.phases.some((phase) => phase.name === 'outage' && (phase.byStatus['200'] ?? 0) < phase.requests), `calls failed during the outage\n${describeSummary()}`);
    assert.notEqual(summary.breakerOpenedAfterMs, undefined, `the LLM breaker opened\n${describeSummary()}`);
    assert.ok((summary.byErrorCode.dependency_unavailable ?? 0) > 0, `the open breaker failed calls fast (503)\n${describeSummary()}`);
    assert.equal(summary.llmBreakerStateAtEnd, 'closed', `the LLM breaker closed again\n${describeSummary()}`);
    assert.equal(summary.byStatus['0'], undefined, `no request went unanswered\n${describeSummary()}`);
    assert.equal(summary.byStatus['429'], undefined, `the rate limit and quota never limited\n${describeSummary()}`);
    assert.ok(summary.eventMessages >= 2, `the live-notifications connection got its welcome and a pong\n${describeSummary()}`);

    // Prometheus has scraped past the end of the script (two samples after it, to be safe).
    const end = summary.endedAt / 1000;
    await waitFor(async () => {
      const [sample] = await prometheus!.query('timestamp(up{job="levee"})');
      return sample?.value && Number(sample.value[1]) > end + SCRAPE_SECONDS ? true : undefined;
    }, { timeoutMs: 10_000, intervalMs: 200, what: () => 'a scrape after the traffic ended' });
    const start = summary.startedAt / 1000;
    const rangeEnd = Date.now() / 1000;

    const queries = dashboardQueries();
    const failures: string[] = [];
    let checked = 0;
    for (const query of queries) {
      const instances = `127.0.0.1:${stack!.levee.port}|127.0.0.1:${routing!.stack.levee.port}`;
      const expr = substituteVariables(query.expr, { rateInterval: RATE_INTERVAL, job: 'levee', instance: instances });
      assert.doesNotMatch(expr, /\$|\[\[/, `an unsubstituted variable in ${query.dashboard} / ${query.title}: ${expr}`);
      const answer = await queryRange(prometheus!.url, expr, start, rangeEnd);
      checked++;
      const series = answer.data?.result ?? [];
      const finite = series.filter((one) => (one.values ?? []).some(([, value]) => Number.isFinite(Number(value))));
      if (answer.status !== 'success' || finite.length === 0) {
        const why = answer.status !== 'success' ? `error: ${answer.error}` : `${series.length} series, none with a finite value`;
        failures.push(`${query.dashboard} / ${query.title} (panel ${query.panelId}): ${why}\n    ${expr}`);
      }
    }

    // Latency panels show exemplars: Prometheus (exemplar storage on) must hold trace ids for them.
    const exemplarQuery = new URLSearchParams({ query: 'http_server_request_duration_seconds_bucket{job="levee"}', start: String(start), end: String(rangeEnd) });
    const exemplars = (await (await fetch(`${prometheus!.url}/api/v1/query_exemplars?${exemplarQuery}`)).json()) as {
      data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }>;
    };
    const traceIds = exemplars.data.flatMap((series) => series.exemplars.map((exemplar) => exemplar.labels.trace_id));
    assert.ok(traceIds.length > 0 && traceIds.every((id) => /^[0-9a-f]{32}$/.test(id ?? '')), `trace-id exemplars: ${traceIds.slice(0, 3).join(', ')}`);

    assert.equal(checked, queries.length, 'every query was checked');
    assert.ok(checked > 40, `expected more than 40 panel queries, found ${checked}`);
    assert.deepEqual(failures, [], `${failures.length} of ${checked} panel queries returned no finite data:\n${failures.join('\n')}\n\ntraffic: ${describeSummary()}`);
  });
});
