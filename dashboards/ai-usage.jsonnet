// Levee AI usage: tokens by model, how quickly answers start and finish, and how the inbound
// rate limits treat clients. The per-model views come from the token and time-to-first-token
// histograms: dependency call durations carry no model label (per-model series would multiply
// every outcome series by the model count).
local g = import 'lib/grafana.libsonnet';
local q = import 'lib/queries.libsonnet';

local tokens = 'gen_ai_client_token_usage';
local ttft = 'levee_llm_time_to_first_token_seconds';
local llm = ['dependency="llm"'];

local queries = {
  tokensByModel: q.sumRate(tokens + '_sum', ['model', 'gen_ai_token_type']),
  tokensByOperation: q.sumRate(tokens + '_sum', ['gen_ai_operation_name', 'gen_ai_token_type']),
  tokensPerCallP95: q.quantile(0.95, tokens, ['model', 'gen_ai_token_type']),
  ttft(quantile): q.quantile(quantile, ttft, ['model']),
  llmCalls: q.sumRate('levee_dependency_calls_total', ['operation'], llm),
  llmDurationP95: q.quantile(0.95, 'levee_dependency_call_duration_seconds', ['operation'], llm),
  rateLimitDecisions: q.sumRate('levee_rate_limit_decisions_total', ['scope', 'outcome']),
};

g.dashboard(
  'ai-usage',
  'Levee AI usage',
  'LLM token usage by model and type, time to first token, LLM call duration by operation, and inbound rate-limit decisions.',
  [
    g.row('Tokens'),
    g.timeseries(
      'Tokens per second by model and type',
      'Input and output tokens per second by model, as the provider reported them (the cost driver). Good: follows request volume; a jump in input tokens without more requests means clients send longer prompts or more context.',
      'short',
      [g.target(queries.tokensByModel, '{{model}} {{gen_ai_token_type}}')],
      stack=true,
    ),
    g.timeseries(
      'Tokens per second by operation',
      'Input and output tokens per second by operation (chat, embeddings). Good: the split your workload expects; embeddings tokens rising with the cache hit ratio falling means the embeddings cache stopped saving.',
      'short',
      [g.target(queries.tokensByOperation, '{{gen_ai_operation_name}} {{gen_ai_token_type}}')],
      stack=true,
    ),
    g.timeseries(
      'Tokens per call p95',
      'p95 tokens in one call by model and type. Good: stable; a rising input p95 is growing prompts (cost and latency follow), output p95 pinned at a round number suggests answers hitting max_tokens.',
      'short',
      [g.target(queries.tokensPerCallP95, '{{model}} {{gen_ai_token_type}}')],
      w=24,
      min=0,
    ),

    g.row('Latency'),
    g.timeseries(
      'Time to first token by model',
      'p50 and p95 time from the start of a streaming call to its first content chunk, by model: the wait a user sees before text appears. Good: p95 within a couple of seconds and steady; dots are exemplars, click one for its trace.',
      's',
      [g.target(queries.ttft(p[0]), p[1] + ' {{model}}', exemplar=true) for p in [[0.5, 'p50'], [0.95, 'p95']]],
      min=0,
    ),
    g.timeseries(
      'LLM call duration p95 by operation',
      'p95 duration of logical LLM calls by operation, retries and waits included (a stream until it ends). Good: steady; a rise with retries rising (dependencies dashboard) is the provider struggling.',
      's',
      [g.target(queries.llmDurationP95, '{{operation}}', exemplar=true)],
      min=0,
    ),
    g.timeseries(
      'LLM calls per second by operation',
      'Logical LLM calls per second by operation, whatever their outcome. Good: follows client demand; compare with the token rate to see tokens per call.',
      'ops',
      [g.target(queries.llmCalls, '{{operation}}')],
      stack=true,
    ),

    g.row('Clients'),
    g.timeseries(
      'Rate-limit decisions by scope and outcome',
      'Inbound rate-limit decisions per second by scope (key: per API key, ip: per client address) and outcome (allowed, limited). Good: limited near 0; a limited rate for one scope is a client over its limit (the client gets 429, which is not an SLO error).',
      'ops',
      [g.target(queries.rateLimitDecisions, '{{scope}} {{outcome}}')],
      min=0,
    ),
  ],
)
