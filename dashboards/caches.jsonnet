// Levee caches (embeddings, search, chat): how often they answer, what they hold, and how much
// upstream work they save. Each cache has an in-process LRU tier and, with REDIS_URL, a Redis tier.
local g = import 'lib/grafana.libsonnet';
local q = import 'lib/queries.libsonnet';

local requests = 'levee_cache_requests_total';
// Lookups are what a cache could have answered: bypassed calls (not cacheable) are left out.
local lookups = 'result!="bypass"';

local queries = {
  resultRatio: '%s / ignoring (result) group_left %s' % [
    q.sumRate(requests, ['cache', 'result'], ['result=~"hit|miss|stale"']),
    q.sumRate(requests, ['cache'], [lookups]),
  ],
  results: q.sumRate(requests, ['cache', 'result']),
  entries: q.aggregate('sum', 'levee_cache_entries', ['cache']),
  bytes: q.aggregate('sum', 'levee_cache_bytes', ['cache']),
  evictions: q.sumRate('levee_cache_evictions_total', ['cache']),
  singleflightJoins: q.sumRate('levee_cache_singleflight_joins_total', ['cache']),
  tierErrors: q.sumRate('levee_cache_tier_errors_total', ['cache', 'tier']),
};

g.dashboard(
  'caches',
  'Levee caches',
  'Hit, miss and stale ratios, size, evictions, single-flight savings and tier errors of the embeddings, search and chat caches.',
  [
    g.row('Effectiveness'),
    g.timeseries(
      'Hit, miss and stale ratio per cache',
      'Share of cacheable lookups per cache answered from cache (hit), loaded upstream (miss), or served past their TTL because the dependency failed (stale); bypassed calls are not counted. Good: a steady hit ratio for the workload (embeddings of repeated inputs hit often); stale above 0 means a dependency is failing and the cache is covering for it. No line for a cache without lookups.',
      'percentunit',
      [g.target(queries.resultRatio, '{{cache}} {{result}}')],
      min=0,
      max=1,
    ),
    g.timeseries(
      'Requests by result',
      'Cacheable calls per second by cache and result, bypass and error included (error: the load failed and there was nothing to serve). Good: error at 0; bypass follows client Cache-Control and non-cacheable requests.',
      'ops',
      [g.target(queries.results, '{{cache}} {{result}}')],
      stack=true,
    ),

    g.row('Size'),
    g.timeseries(
      'Entries',
      'Entries in the in-process tier, summed over replicas. Good: grows to its bound and stays there under load; a bound held all the time with many evictions means the cache is too small.',
      'short',
      [g.target(queries.entries, '{{cache}}')],
      w=8,
      min=0,
    ),
    g.timeseries(
      'Bytes',
      'Bytes (JSON size) held by the in-process tier, summed over replicas. Good: within the configured byte bound per replica.',
      'bytes',
      [g.target(queries.bytes, '{{cache}}')],
      w=8,
      min=0,
    ),
    g.timeseries(
      'Evictions',
      'Entries per second the in-process tier evicted to stay within its bounds. Good: 0 or low; high evictions together with a falling hit ratio mean the cache is too small.',
      'ops',
      [g.target(queries.evictions, '{{cache}}')],
      w=8,
      min=0,
    ),

    g.row('Savings and tier errors'),
    g.timeseries(
      'Single-flight joins (upstream calls saved)',
      'Misses per second that joined an identical load already in flight instead of calling upstream: calls the cache saved even before it held the answer. Good: any value is savings; high under bursts of identical requests.',
      'ops',
      [g.target(queries.singleflightJoins, '{{cache}}')],
      w=12,
      min=0,
    ),
    g.timeseries(
      'Tier errors',
      'Cache tier operations per second that failed or were skipped (Redis down, its breaker open, timeout); the cache went on with the other tier. Good: 0; errors on the redis tier alone mean each replica caches on its own for now.',
      'ops',
      [g.target(queries.tierErrors, '{{cache}} {{tier}}')],
      min=0,
    ),
  ],
)
