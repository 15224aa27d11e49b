// Levee's objects in one environment: its ServiceAccount, the API Deployment with its Service,
// disruption budget and autoscaler, the worker Deployment, and how traffic reaches them
// (network.libsonnet).
local deployment = import 'deployment.libsonnet';
local labels = import 'labels.libsonnet';
local sizedResources = import 'resources.libsonnet';

function(config)
  local meta(name, component) = { name: name, namespace: config.namespace, labels: labels.all(component, config.version) };
  local apiEnv = config.env + config.levee.env;
  local resources = sizedResources(config.bench, config.memoryLimitHeadroom);
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
      resources.api(config.levee.sizing),
      apiEnv,
      config.levee.secretEnv,
    ),
    // `npm run worker`: jobs only (batches, imports), health and metrics on the same port, no API.
    deployment(
      config,
      'worker',
      ['node', '--import', './service/telemetry/preload.ts', 'service/worker.ts'],
      config.worker.replicas,
      resources.worker(config.worker.sizing),
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
  ] + (import 'network.libsonnet')(config)
