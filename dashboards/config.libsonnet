// Selectors, thresholds and the SLO target that the dashboards (dashboards/*.jsonnet) and the
// alert rules (alerts/rules.jsonnet) share. Change a value here, then `npm run dashboards`
// re-renders dashboards/generated/ and alerts/generated/ (a test fails while they are stale).
{
  // Prometheus job_name that scrapes the Levee replicas (see alerts/prometheus.jsonnet).
  leveeJob: 'levee',
  // Every alert rule starts from this selector; dashboards use their job/instance variables instead.
  leveeSelector: 'job="%s"' % self.leveeJob,
  // Labels an alert keeps when it aggregates over replicas: one alert per deployment, never one
  // per replica. `namespace` too (the kubernetes-mixin's way): the Prometheus Operator sends an
  // AlertmanagerConfig only the alerts labelled with its namespace. Outside Kubernetes series
  // have no namespace label, and grouping by it changes nothing.
  fleetLabelList: ['job', 'namespace'],
  // The same, as PromQL's `by (...)` takes it.
  fleetLabels: std.join(', ', self.fleetLabelList),

  // Requests that count towards the availability SLO: the client-facing API. Health probes,
  // /metrics and /admin are not what clients are promised.
  sloRouteSelector: 'http_route=~"/v1/.*"',
  // Share of those requests answered without a 5xx. Every 5xx the client sees counts, the
  // breaker's fast-fail 503s included; 4xx (bad input, 429 rate limits) do not.
  availabilityTarget: 0.999,

  // Where alert annotations link to; each alert appends `#<alertname lowercased>` (GitHub's
  // heading anchors in alerts/runbook.md). Point it at your fork.
  runbookBaseUrl: 'https://github.com/levee-ai/levee/blob/main/alerts/runbook.md',

  // Circuit breaker, and the LLM routing built on the providers' breakers.
  breaker: {
    // How long a dependency's breaker must stay not closed (open or half-open, on any replica)
    // before it pages (Postgres, Redis). The same `for` times LeveeModelUnavailable (a public
    // model with no deployment whose breaker is closed: with one provider, exactly its breaker
    // being open, so that page keeps today's timing) and the LLM provider's breaker warning,
    // LeveeProviderCircuitBreakerOpen (so with one provider the warning fires together with the
    // page that inhibits it, never before). Short: the page means clients get 503s.
    pageAfter: '2m',
    // A breaker flips open -> half_open -> open once per half-open period (60 s for the LLM)
    // during an outage; a close shorter than this window does not restart the alert's `for`.
    // Same window for a model's available deployments (a brief close does not reset its page).
    smoothing: '2m',
    // Re-openings from closed within 15 m that count as flapping (recovering, then breaking again).
    flappingOpens: 3,
  },

  // Inbound latency: p99 of these routes above the bar (seconds), sustained. Chat completions
  // and upserts are left out: their time is the model's generation (a stream's whole life) or
  // embedding up to 1,000 documents, not Levee's. The HTTP histogram's top finite bucket is 10 s,
  // so a bar must stay below it.
  latency: {
    routes: '/v1/embeddings|/v1/models|/v1/collections/:name/search',
    p99Seconds: 2.5,
    'for': '15m',
  },

  // Bulkhead: slots in use (share of capacity) held this high counts as saturated.
  bulkhead: {
    saturatedRatio: 0.9,
    'for': '10m',
  },

  // Retry budget: any exhaustion sustained this long warns (retries are being shed while the
  // dependency struggles).
  retryBudget: {
    'for': '10m',
  },

  // Adaptive timeout at its ceiling this long: the dependency's P95 × multiplier is past the
  // ceiling, so slow calls are being cut (and retried) at the ceiling.
  adaptiveTimeout: {
    'for': '15m',
  },

  // Cache hit ratio collapse: the last 15 m's ratio below `collapseFactor` × the ratio of the
  // 6 h before, for a cache that had at least `minBaselineRatio` and still sees traffic.
  cache: {
    collapseFactor: 0.5,
    minBaselineRatio: 0.2,
    minRequestsPerSecond: 0.1,
    'for': '15m',
  },

  // Shared state (Redis) degraded to local state this long.
  sharedState: {
    'for': '5m',
  },

  // A scrape target down (or no target at all) this long.
  target: {
    'for': '2m',
  },

  // Background jobs (the pg-boss queues: levee-batches, levee-batch-chunks, levee-imports).
  jobs: {
    // LeveeJobBacklogOld: the oldest job waiting in a queue (created, or due for a retry) has
    // waited longer than this (seconds). Every worker busy with long batches, JOB_CONCURRENCY=0
    // everywhere, or the workers stuck. Batches promise completion within 24 h, so a wait of
    // minutes only warns. Also the red line of the dashboard's "Oldest waiting job" panel.
    oldestWaitingSeconds: 15 * 60,
    // The gauge grows by itself while a job waits, so `for` only spares a moment's overshoot
    // (the oldest is picked up, the next oldest is younger): the ticket opens once the oldest
    // has waited oldestWaitingSeconds + this.
    backlogFor: '5m',
    // LeveeBatchLineErrorRateHigh: share of answered batch lines (completed + failed; deferred
    // lines are "not now" and run again) that failed, per endpoint, over `lineErrorWindow`.
    // Failed is final: a 4xx for the line's body, or a 5xx left after its retries. Also the red
    // line of the dashboard's "Batch lines failed" panel.
    lineErrorRatio: 0.05,
    lineErrorWindow: '15m',
    // Volume guard: at least this many lines answered in the window, so one small batch's few
    // bad lines (1 failed of 3) do not open a ticket.
    lineErrorMinLines: 20,
    lineErrorFor: '10m',
  },

  // Live notifications: the WebSocket connections of /v1/events and /admin/events.
  websocket: {
    // LeveeWebSocketConnectionsNearLimit: a replica's open connections (both endpoints) at this
    // share of its WS_MAX_CONNECTIONS or more. Past the limit it refuses new ones with 503
    // replica_unavailable; clients reconnect elsewhere only if the balancer sends them elsewhere.
    nearLimitRatio: 0.9,
    // Held this long: the reconnect burst after another replica drains settles within minutes,
    // a fleet short of connection slots does not.
    nearLimitFor: '5m',
  },

  // Dashboards.
  dashboards: {
    // Grafana uid prefix: stable uids keep links and bookmarks working across re-renders.
    uidPrefix: 'levee-',
    tags: ['levee'],
    refresh: '30s',
    timeFrom: 'now-1h',
    // Trace backend datasource uid for exemplar links (provisioned as Jaeger in the compose stack).
    tracesDatasourceUid: 'jaeger',
    // SLO burn-rate panel: the windows it shows (short catches a fast burn, long confirms it) and
    // the line drawn at the fast-burn rate that spends 2 % of a 30-day error budget in one hour.
    burnRateWindows: ['5m', '1h'],
    fastBurnRate: 14.4,
  },
}
