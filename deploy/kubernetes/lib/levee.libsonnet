// Levee's objects in one environment: its ServiceAccount, the API Deployment with its Service,
// disruption budget and autoscaler, the worker Deployment, and the NetworkPolicy both run under.
local deployment = import 'deployment.libsonnet';
local labels = import 'labels.libsonnet';

function(config)
  local meta(name, component) = { name: name, namespace: config.namespace, labels: labels.all(component, config.version) };
  local apiEnv = config.env + config.levee.env;
  [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta('levee', 'api'),
      automountServiceAccountToken: false,
    },
    deployment(
      config,
      'api',
      ['node', '--import', './service/telemetry/preload.ts', 'service/main.ts'],
      null,
      config.levee.resources,
      apiEnv,
      config.levee.secretEnv,
    ),
    // `npm run worker`: jobs only (batches, imports), health and metrics on the same port, no API.
    deployment(
      config,
      'worker',
      ['node', '--import', './service/telemetry/preload.ts', 'service/worker.ts'],
      config.worker.replicas,
      config.worker.resources,
      apiEnv + config.workerEnv,
      config.levee.secretEnv,
    ),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('levee', 'api'),
      spec: {
        selector: labels.selector('api'),
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    },
  ] + [
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(pdb[0], pdb[1]),
      // One pod at a time: with one replica a drain still proceeds (the rolling update's surge
      // covers rollouts, not drains).
      spec: { maxUnavailable: 1, selector: { matchLabels: labels.selector(pdb[1]) } },
    }
    for pdb in [['levee', 'api'], ['levee-worker', 'worker']]
  ] + [
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta('levee', 'api'),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'levee' },
        minReplicas: config.levee.autoscaling.minReplicas,
        maxReplicas: config.levee.autoscaling.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: config.cpuTargetPercent } } }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('levee', 'api'),
      spec: {
        // The API and the worker: everything named levee.
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'levee' } },
        policyTypes: ['Ingress', 'Egress'],
        // From anywhere, on Levee's port only: the ingress controller and Prometheus live in
        // namespaces we cannot name here.
        ingress: [{ ports: [{ protocol: 'TCP', port: 'http' }] }],
        egress: [{ ports: config.egressPorts }],
      },
    },
  ]
