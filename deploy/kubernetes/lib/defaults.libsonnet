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

  // Longest a request may take (Levee answers 504 after it), and the largest upload it accepts.
  // The Ingress's proxy timeouts and body size follow them (network.libsonnet).
  requestTimeoutMs: 120000,
  uploadLimitMiB: 64,
  // The proxy waits this much longer than Levee, so the client gets Levee's JSON 504, not nginx's.
  proxyTimeoutMarginSeconds: 10,

  // Variables every Levee container gets; the environment's `env` is merged over them.
  env: {
    PORT: std.toString($.port),
    SHUTDOWN_DRAIN_DELAY_MS: std.toString($.shutdown.drainDelayMs),
    SHUTDOWN_GRACE_MS: std.toString($.shutdown.graceMs),
    REQUEST_TIMEOUT_MS: std.toString($.requestTimeoutMs),
    FILE_MAX_BYTES: std.toString($.uploadLimitMiB * 1024 * 1024),
    // The ingress controller is the one proxy in front of Levee: its X-Forwarded-For entry is the
    // client address the per-IP limits count.
    TRUST_PROXY_HOPS: '1',
  },

  // The only pods that may open connections to Levee (network.libsonnet), found by namespace and
  // pod labels. These are ingress-nginx's and kube-prometheus-stack's defaults; change them to
  // your cluster's.
  trafficSources: {
    ingressController: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    prometheus: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
  },

  // The Ingress in front of the API's Service: an ingress-nginx class (its annotations are
  // nginx's), no host (any) and no TLS unless the environment names them.
  ingress: { className: 'nginx', host: null, tlsSecret: null },

  // Node, or a library, may write temporary files; the root filesystem is read-only, so /tmp is
  // an emptyDir capped at this size. Levee itself writes only DATA_DIR, and only without
  // DATABASE_URL, which every environment here sets.
  tmpSizeLimit: '64Mi',

  // Memory limit = the bench's peak RSS × this (resources.libsonnet): room for what the bench's
  // load did not reach (longer prompts, more streams) before the kernel kills the container.
  memoryLimitHeadroom: 1.25,

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
    // The Secret (in Levee's namespace) holding the AlertmanagerConfig's receiver credentials,
    // keys `pagerduty-routing-key` and `slack-webhook-url`; created out of band, never rendered.
    alertmanagerSecret: 'levee-alertmanager',
    // The Grafana sidecar (kube-prometheus-stack's, or the grafana chart's) loads ConfigMaps with
    // this label from the namespaces it searches (`sidecar.dashboards.searchNamespace`: its own
    // unless set, e.g. to ALL). The folder annotation applies where the sidecar's
    // `folderAnnotation` is grafana_folder.
    dashboards: {
      namespace: $.namespace,
      labels: { grafana_dashboard: '1' },
      annotations: { grafana_folder: 'Levee' },
    },
  },

  // The worker's own variables over the API's: it must run jobs (main.ts refuses 0).
  workerEnv: { JOB_CONCURRENCY: '4' },
}
