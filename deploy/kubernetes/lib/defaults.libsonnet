// What every environment shares unless its values file (../values/<env>.libsonnet) says
// otherwise. Numbers that Levee itself reads are passed as its variables (service/config.ts),
// so the manifests and the process agree on them; the test checks the arithmetic between them.
{
  // Tagged with package.json's version at render time (never `latest`): a rollout is a re-render.
  image: 'ghcr.io/levee-ai/levee',
  // Levee's one port: the API, the health probes and /metrics (METRICS_PORT unset).
  port: 8080,

  // Shutdown as Levee runs it (README, "Shutdown"): readiness fails for the drain delay while the
  // listener still accepts, then in-flight requests (streams included) get the grace.
  shutdown: {
    drainDelayMs: 5000,
    graceMs: 30000,
    // Kubernetes' SIGKILL comes this long after drain + grace, so Levee always ends on its own.
    marginSeconds: 10,
  },

  probes: {
    // Liveness calls nothing, so a slow dependency never restarts a healthy process.
    livenessPath: '/health/live',
    // Readiness fails while starting or draining; two misses 2 s apart (4 s) fit in the drain delay.
    readinessPath: '/health/ready',
    readinessPeriodSeconds: 2,
    readinessFailureThreshold: 2,
    // Start-up (migrations on a cold database included) may take up to 2 s × 60.
    startupPeriodSeconds: 2,
    startupFailureThreshold: 60,
  },

  // Variables every Levee container gets; the environment's `env` is merged over them.
  env: {
    PORT: std.toString($.port),
    SHUTDOWN_DRAIN_DELAY_MS: std.toString($.shutdown.drainDelayMs),
    SHUTDOWN_GRACE_MS: std.toString($.shutdown.graceMs),
  },

  // Node, or a library, may write temporary files; the root filesystem is read-only, so /tmp is
  // an emptyDir capped at this size. Levee itself writes only DATA_DIR, and only without
  // DATABASE_URL, which every environment here sets.
  tmpSizeLimit: '64Mi',

  // Average CPU across API replicas the autoscaler aims for. Levee mostly waits on the model, so
  // CPU rises late; keep the target moderate.
  cpuTargetPercent: 70,

  // Outbound ports the NetworkPolicy allows: DNS, HTTPS (the LLM provider), Postgres, Redis and
  // OTLP (traces to a collector).
  egressPorts: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
    { protocol: 'TCP', port: 443 },
    { protocol: 'TCP', port: 5432 },
    { protocol: 'TCP', port: 6379 },
    { protocol: 'TCP', port: 4317 },
    { protocol: 'TCP', port: 4318 },
  ],

  // Prometheus Operator objects (generated/<env>/monitoring.yaml).
  monitoring: {
    // Labels your Prometheus selects ServiceMonitors and PrometheusRules by (kube-prometheus-stack
    // wants `release: <its release name>` unless told to select all).
    labels: {},
    // As the compose stack's Prometheus (alerts/prometheus.jsonnet); the rules' windows assume it.
    scrapeInterval: '15s',
  },

  // The worker's own variables over the API's: it must run jobs (main.ts refuses 0).
  workerEnv: { JOB_CONCURRENCY: '4' },
}
