// Levee overview: is the API serving (RED), is it within its SLO, and is anything saturated.
// The place to start; the other Levee dashboards are one click away under "Levee".
//
// Background jobs (the Batch API's queue) are here rather than on the dependencies dashboard:
// they are a client API of their own, served asynchronously, and these panels are its RED and
// saturation (how long jobs wait, how many run, how lines end). The dependencies dashboard is
// per dependency and LLM provider (its variables); job series carry neither, and what a batch
// line meets in a dependency already shows there with the interactive calls.
//
// Live connections (the WebSocket endpoints /v1/events and /admin/events) are here for the same
// reason: a client API of its own, whose saturation is the replica's connection limit.
local config = import 'config.libsonnet';
local g = import 'lib/grafana.libsonnet';
local q = import 'lib/queries.libsonnet';

local http = 'http_server_request_duration_seconds';
local batchLines = 'levee_batch_lines_total';
local websocket = 'levee_websocket_';
local percentiles = [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']];

local queries = {
  instancesUp: 'sum(%s)' % q.series('up'),
  // 1 - up rather than `up == 0`, so a healthy fleet shows 0 and not "no data".
  instancesDown: 'sum(1 - %s)' % q.series('up'),
  // The LLM has one breaker per provider (Postgres and Redis series have no provider label).
  breakersNotClosed: q.aggregate('sum', 'levee_circuit_breaker_state', ['dependency', 'provider'], ['state!="closed"']),
  requestRate: q.sumRate(http + '_count', ['http_route']),
  errorRatio: q.errorRatio,
  latency(quantile): q.quantile(quantile, http, ['http_route'], [q.sloRoutes]),
  burnRate(window): q.burnRate(window),
  bulkheadUtilisation: '%s / %s' % [
    q.aggregate('sum', 'levee_bulkhead_active_calls', ['dependency', 'provider']),
    q.aggregate('sum', 'levee_bulkhead_capacity_calls', ['dependency', 'provider']),
  ],
  cpu: q.sumRate('process_cpu_seconds_total', ['instance']),
  rss: q.aggregate('sum', 'process_resident_memory_bytes', ['instance']),
  eventLoopLag: q.aggregate('max', 'nodejs_eventloop_lag_p99_seconds', ['instance']),

  // The queue lives in Postgres and is shared by the fleet: every replica that has used it
  // exports the same counts (refreshed every 5 s), so max over replicas, never sum. A replica
  // exports none before its queue's first use.
  jobs(gauge): q.aggregate('max', 'levee_jobs_%s' % gauge, ['queue']),
  batchLines: q.sumRate(batchLines, ['endpoint', 'result']),
  // Failed share of the lines answered (deferred lines run again: neither). As for errors above,
  // with lines answered and none failed there is no failed series: 0 × answered, not no data.
  local answered = q.sumRate(batchLines, ['endpoint'], ['result=~"completed|failed"']),
  batchLinesFailed: '(%s or 0 * %s) / %s' % [q.sumRate(batchLines, ['endpoint'], ['result="failed"']), answered, answered],

  // Limits are per replica (WS_MAX_CONNECTIONS counts both endpoints), so the busiest replica is
  // what meets its limit: max over replicas, never the fleet's sum.
  wsOpenByEndpoint: q.aggregate('max', websocket + 'connections', ['endpoint']),
  wsOpenBusiestReplica: 'max(%s)' % q.aggregate('sum', websocket + 'connections', ['instance']),
  wsLimit: q.aggregate('max', websocket + 'connections_limit'),
  wsRate(counter): q.sumRate(websocket + counter + '_total', ['endpoint', 'reason']),
  wsMessages: q.sumRate(websocket + 'messages_sent_total', ['endpoint', 'type']),
  wsDrops: q.sumRate(websocket + 'send_buffer_drops_total', ['endpoint']),
};

g.dashboard(
  'overview',
  'Levee overview',
  'Traffic, errors, latency and saturation of the Levee API, with its availability SLO burn rate.',
  [
    g.row('Fleet'),
    g.stat(
      'Instances up',
      'Replicas of the selected job Prometheus scrapes successfully. Good: as many as you deploy; red at 0.',
      'none',
      [g.target(queries.instancesUp, 'up')],
      thresholds=[[1, 'green']],
      base='red',
    ),
    g.stat(
      'Targets down',
      'Scrape targets of the selected job that do not answer. Good: 0.',
      'none',
      [g.target(queries.instancesDown, 'down')],
      thresholds=[[1, 'red']],
    ),
    g.stat(
      'Breakers not closed',
      'Replicas whose circuit breaker for a dependency (the LLM: per provider) is open, half-open or isolated. Good: 0 for every one; for postgres or redis anything else means clients get fast 503s for it; for an LLM provider, its models go to their other deployments and fallbacks (see the Routing row of the dependencies dashboard: a model left with none fails).',
      'none',
      [g.target(queries.breakersNotClosed, '{{dependency}} {{provider}}')],
      w=12,
      thresholds=[[1, 'red']],
    ),

    g.row('Requests (RED)'),
    g.timeseries(
      'Request rate by route',
      'Inbound requests per second by route pattern, every route (health probes and /metrics scrapes included). Good: steady, following client demand; a sudden drop with no change in demand means requests are not reaching Levee.',
      'reqps',
      [g.target(queries.requestRate, '{{http_route}}')],
      stack=true,
    ),
    g.timeseries(
      'Error ratio (5xx share of /v1)',
      'Share of client API (/v1) requests answered with a 5xx, breaker fast-fails included; 4xx (bad input, 429) are not errors. Good: 0, and below the %g %% the availability SLO allows (the red line).' % ((1 - config.availabilityTarget) * 100),
      'percentunit',
      [g.target(queries.errorRatio, '5xx share')],
      min=0,
      thresholds=[[1 - config.availabilityTarget, 'red']],
    ),
    g.timeseries(
      'Latency by route (/v1)',
      'p50, p95 and p99 duration of client API requests per route; a stream counts its whole life. Good: p99 under %gs (the latency alert threshold); dots are exemplars, click one for its trace.' % config.latency.p99Seconds,
      's',
      [g.target(queries.latency(p[0]), p[1] + ' {{http_route}}', exemplar=true) for p in percentiles],
      w=24,
      h=10,
      thresholds=[[config.latency.p99Seconds, 'red']],
    ),
    g.timeseries(
      'SLO burn rate',
      'How fast 5xx answers spend the error budget of the %g %% availability SLO, over the last %s and %s: 1 spends it exactly over the SLO period. Good: under 1; above %g in both windows is a fast burn that pages.' % [config.availabilityTarget * 100, config.dashboards.burnRateWindows[0], config.dashboards.burnRateWindows[1], config.dashboards.fastBurnRate],
      'none',
      [g.target(queries.burnRate(window), window) for window in config.dashboards.burnRateWindows],
      w=24,
      min=0,
      thresholds=[[1, 'yellow'], [config.dashboards.fastBurnRate, 'red']],
    ),

    g.row('Saturation'),
    g.timeseries(
      'Bulkhead utilisation by dependency',
      'Share of the fleet\'s bulkhead slots in use per dependency, and for the LLM per provider (each provider has its own bulkhead; streams hold theirs for their whole life). Good: below %g %%; held above it, calls queue and then get rejected.' % (config.bulkhead.saturatedRatio * 100),
      'percentunit',
      [g.target(queries.bulkheadUtilisation, '{{dependency}} {{provider}}')],
      min=0,
      max=1,
      thresholds=[[config.bulkhead.saturatedRatio, 'red']],
    ),
    g.timeseries(
      'Event loop lag p99',
      'Node.js event-loop delay (p99) per replica: how long ready work waits for the single JavaScript thread. Good: a few milliseconds; tens of milliseconds mean the replica is CPU-bound.',
      's',
      [g.target(queries.eventLoopLag, '{{instance}}')],
      min=0,
    ),
    g.timeseries(
      'Process CPU',
      'CPU time used per second per replica (100 % = one core). Good: well below 100 %: JavaScript runs on one thread, so near 100 % the replica is saturated whatever the core count.',
      'percentunit',
      [g.target(queries.cpu, '{{instance}}')],
      min=0,
      thresholds=[[0.8, 'red']],
    ),
    g.timeseries(
      'Resident memory',
      'Resident set size per replica. Good: flat after warm-up (caches are bounded); a steady climb is a leak.',
      'bytes',
      [g.target(queries.rss, '{{instance}}')],
      min=0,
    ),

    g.row('Background jobs'),
    g.timeseries(
      'Jobs queued and active',
      'Per queue (levee-batches: one job per Batch API batch; levee-batch-chunks: 100 lines of one; levee-imports: one per document import), jobs waiting for a worker (new, or due for a retry) and jobs running, fleet-wide (the queue is shared: the highest any replica reports). No data until a replica first uses the queue. Good: queued near 0; queued climbing while active stays at the workers\' total (JOB_CONCURRENCY summed over replicas) means every worker is busy.',
      'short',
      [g.target(queries.jobs(gauge), gauge + ' {{queue}}') for gauge in ['queued', 'active']],
      min=0,
    ),
    g.timeseries(
      'Oldest waiting job',
      'Per queue, how long the oldest waiting job has waited since it was created (0 when none waits). Good: seconds; above %s (the red line) for %s opens LeveeJobBacklogOld: no worker takes it.' % ['%dm' % (config.jobs.oldestWaitingSeconds / 60), config.jobs.backlogFor],
      's',
      [g.target(queries.jobs('oldest_waiting_seconds'), '{{queue}}')],
      min=0,
      thresholds=[[config.jobs.oldestWaitingSeconds, 'red']],
    ),
    g.timeseries(
      'Batch lines by result',
      'Batch lines per second by endpoint and result: completed (2xx), failed (an error answer, final, in the batch\'s error file), deferred (not now: a breaker open, a rate limit, a provider failing; the line runs again later). Good: completed dominates; deferred means batches are waiting out an outage.',
      'ops',
      [g.target(queries.batchLines, '{{endpoint}} {{result}}')],
      stack=true,
    ),
    g.timeseries(
      'Batch lines failed',
      'Per endpoint, the share of answered batch lines (completed + failed) that failed: a 4xx for the line\'s body, or a 5xx left after its retries. Good: near 0; above %g %% (the red line) over %s, with at least %d lines answered, for %s opens LeveeBatchLineErrorRateHigh.' % [config.jobs.lineErrorRatio * 100, config.jobs.lineErrorWindow, config.jobs.lineErrorMinLines, config.jobs.lineErrorFor],
      'percentunit',
      [g.target(queries.batchLinesFailed, '{{endpoint}}')],
      min=0,
      thresholds=[[config.jobs.lineErrorRatio, 'red']],
    ),

    g.row('Live connections (WebSocket)'),
    g.timeseries(
      'Open connections vs the limit',
      'Open WebSocket connections on the busiest replica, per endpoint (client: /v1/events, admin: /admin/events) and both together, against the connections a replica accepts in all (WS_MAX_CONNECTIONS; a client key holds at most WS_MAX_CONNECTIONS_PER_CLIENT per replica). Good: well under the limit; at %g %% of it for %s, LeveeWebSocketConnectionsNearLimit opens a ticket; at the limit, new connections are refused with 503.' % [config.websocket.nearLimitRatio * 100, config.websocket.nearLimitFor],
      'short',
      [
        g.target(queries.wsOpenByEndpoint, '{{endpoint}}'),
        g.target(queries.wsOpenBusiestReplica, 'both endpoints'),
        g.target(queries.wsLimit, 'limit'),
      ],
      w=24,
      min=0,
    ),
    g.timeseries(
      'Connections refused by reason',
      'Handshakes refused after the key was accepted, per second, by endpoint and reason: per_client_limit (429 too_many_connections: the key holds WS_MAX_CONNECTIONS_PER_CLIENT already), total_limit (503: the replica is full), draining (503: shutting down). Missing or wrong keys are 401/403 answers in the request metrics, not here. Good: 0 but for draining during deploys; a steady per_client_limit is a client that leaks connections.',
      'ops',
      [g.target(queries.wsRate('refused'), '{{endpoint}} {{reason}}')],
      stack=true,
    ),
    g.timeseries(
      'Connections ended by reason',
      'Connections that ended, per second, by endpoint and reason. Closed: client (the client closed it), idle (no message either way for WS_IDLE_TIMEOUT_MS, code 4000), slow_consumer (its send buffer filled, 1008), shutdown (1001 at drain), sweep (found dead). Cut: pong_timeout (no pong within WS_PONG_TIMEOUT_MS of a ping; no close handshake). Good: mostly client; pong_timeout climbing means clients or a proxy between drop connections silently.',
      'ops',
      [
        g.target(queries.wsRate('closed'), 'closed {{endpoint}} {{reason}}'),
        g.target(queries.wsRate('terminated'), 'cut {{endpoint}} {{reason}}'),
      ],
      stack=true,
    ),
    g.timeseries(
      'Messages sent by type',
      'WebSocket messages sent per second, by endpoint and type (welcome, batch.updated, import.updated, subscribed, pong, error, breakers, breaker.transition…). Good: following job progress and clients; many error messages mean a client sends messages Levee does not understand.',
      'ops',
      [g.target(queries.wsMessages, '{{endpoint}} {{type}}')],
      stack=true,
    ),
    g.timeseries(
      'Send-buffer drops',
      'Messages not sent because a connection\'s send buffer was full (WS_SEND_BUFFER_BYTES): the client reads too slowly, and the connection is closed as slow_consumer (1008). Good: 0; a few are clients on bad networks, many at once is Levee sending more than clients can take.',
      'ops',
      [g.target(queries.wsDrops, '{{endpoint}}')],
      min=0,
    ),
  ],
)
