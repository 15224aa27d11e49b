// How traffic reaches Levee and what it may reach: the Ingress clients come through, and one
// NetworkPolicy per component (the API: from the ingress controller and Prometheus; the worker,
// which serves no API: from Prometheus only; both: out to DNS, the stores, the providers and an
// OTLP collector only). Kubelet probes come from the node, which policies do not filter.
local labels = import 'labels.libsonnet';

function(config)
  local meta(name, component) = { name: name, namespace: config.namespace, labels: labels.all(component, config.version) };
  local peer(source) = {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': source.namespace } },
    podSelector: { matchLabels: source.podLabels },
  };
  local policy(name, component, sources) = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(name, component),
    spec: {
      podSelector: { matchLabels: labels.selector(component) },
      policyTypes: ['Ingress', 'Egress'],
      // Levee's one port carries the API, the probes and /metrics.
      ingress: [{ from: [peer(source) for source in sources], ports: [{ protocol: 'TCP', port: 'http' }] }],
      egress: [{ ports: config.egressPorts }],
    },
  };
  local sources = config.trafficSources;
  local ingress = config.ingress;
  local proxyTimeoutSeconds = std.toString(config.requestTimeoutMs / 1000 + config.proxyTimeoutMarginSeconds);
  [
    policy('levee', 'api', [sources.ingressController, sources.prometheus]),
    policy('levee-worker', 'worker', [sources.prometheus]),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta('levee', 'api') {
        // ingress-nginx's defaults would break three kinds of request; each value follows Levee's.
        annotations: {
          // Streamed chats (server-sent events) must reach the client chunk by chunk.
          'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
          // A non-streamed chat may take up to REQUEST_TIMEOUT_MS with no byte sent; nginx's 60 s
          // would answer a 504 page first. A margin lets Levee's own JSON 504 arrive.
          'nginx.ingress.kubernetes.io/proxy-read-timeout': proxyTimeoutSeconds,
          'nginx.ingress.kubernetes.io/proxy-send-timeout': proxyTimeoutSeconds,
          // Uploads up to FILE_MAX_BYTES (nginx refuses bodies above 1 MiB by default).
          'nginx.ingress.kubernetes.io/proxy-body-size': '%dm' % config.uploadLimitMiB,
        },
      },
      spec: {
        ingressClassName: ingress.className,
        [if ingress.tlsSecret != null then 'tls']: [{ hosts: [ingress.host], secretName: ingress.tlsSecret }],
        rules: [{
          [if ingress.host != null then 'host']: ingress.host,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'levee', port: { name: 'http' } } } }] },
        }],
      },
    },
  ]
