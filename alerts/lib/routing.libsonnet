// Alerts on LLM routing: whether each public model still has somewhere to go. A model is served
// by its deployments (provider + upstream model) and, for chat, its fallback models; one
// provider's breaker opening only warns (LeveeProviderCircuitBreakerOpen, resilience.libsonnet),
// a model left with nothing pages here.
function(config)
  local selector = config.leveeSelector;
  local fleet = config.fleetLabels;
  // model="_any" is the single provider serving every model (no models file).
  local model = '{{ if eq $labels.model "_any" }}any model{{ else }}{{ $labels.model }}{{ end }}';
  [
    {
      name: 'levee-routing.alerts',
      rules: [
        {
          // levee_llm_model_deployments_available counts the deployments, fallbacks' included,
          // whose breaker is closed: 0 while every one is open, half-open or isolated. The
          // breaker page (LeveeCircuitBreakerOpen) turned around: min_over_time bridges a close
          // shorter than the smoothing window as max_over_time of "not closed" does there, and
          // the value is how many replicas see the model unavailable (any replica pages, as a
          // breaker open on any replica did). max_over_time(...) == 0 would instead wait for a
          // whole window of zeros before the `for` even starts (pageAfter + smoothing), and let
          // a provider that closes for one scrape every few minutes never page.
          alert: 'LeveeModelUnavailable',
          expr: |||
            count by (%(fleet)s, model) (
              min_over_time(levee_llm_model_deployments_available{%(selector)s}[%(smoothing)s]) == 0
            )
          ||| % { fleet: fleet, selector: selector, smoothing: config.breaker.smoothing },
          'for': config.breaker.pageAfter,
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Levee cannot serve %s: no deployment has a closed breaker, fallbacks included.' % model,
            description: 'For more than %s on {{ $value }} replica(s) of {{ $labels.job }}, {{ if eq $labels.model "_any" }}the LLM provider (the only one: no models file) has not had its breaker closed{{ else }}no deployment of {{ $labels.model }}, nor of its fallback models, has had its breaker closed{{ end }}: its requests fail fast (503 dependency_unavailable) until a half-open probe succeeds.' % config.breaker.pageAfter,
          },
        },
      ],
    },
  ]
