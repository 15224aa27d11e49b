// One Levee Deployment (the API or the worker): same image, security context, probes and shutdown
// timing; they differ in command, replicas, resources and variables.
local labels = import 'labels.libsonnet';

local envList(plain, secrets) =
  [{ name: name, value: plain[name] } for name in std.objectFields(plain)] +
  [{ name: name, valueFrom: { secretKeyRef: { name: secrets[name][0], key: secrets[name][1] } } } for name in std.objectFields(secrets)];

local httpGet(path) = { httpGet: { path: path, port: 'http' } };

function(config, component, command, replicas, resources, env, secretEnv) {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: if component == 'api' then 'levee' else 'levee-' + component,
    namespace: config.namespace,
    labels: labels.all(component, config.version),
    // Where the resources below come from (resources.libsonnet), for whoever reads them here.
    annotations: {
      'levee/resources-from': '%s: %.1f µs CPU per chat, RSS %.1f MiB steady, %.1f MiB idle, %.1f MiB peak' % [
        config.bench.source,
        config.bench.cpuUsPerChat,
        config.bench.steadyRssMiB,
        config.bench.idleRssMiB,
        config.bench.peakRssMiB,
      ],
    },
  },
  spec: {
    // null when an autoscaler owns the count: a fixed one would undo its scaling on every apply.
    [if replicas != null then 'replicas']: replicas,
    selector: { matchLabels: labels.selector(component) },
    // Never below the wanted count during a rollout: a new pod must be ready before an old one goes.
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: { labels: labels.all(component, config.version) },
      spec: {
        serviceAccountName: 'levee',
        // Levee never calls the Kubernetes API.
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: (config.shutdown.drainDelayMs + config.shutdown.graceMs) / 1000 + config.shutdown.marginSeconds,
        // The image's `node` user (uid 1000).
        securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        topologySpreadConstraints: [config.levee.topologySpread { maxSkew: 1, labelSelector: { matchLabels: labels.selector(component) } }],
        containers: [{
          name: 'levee',
          image: '%s:%s' % [config.image, config.version],
          command: command,
          ports: [{ name: 'http', containerPort: config.port, protocol: 'TCP' }],
          env: envList(env, secretEnv),
          resources: resources,
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          startupProbe: httpGet(config.probes.livenessPath) { periodSeconds: config.probes.startupPeriodSeconds, failureThreshold: config.probes.startupFailureThreshold },
          livenessProbe: httpGet(config.probes.livenessPath) { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
          readinessProbe: httpGet(config.probes.readinessPath) {
            periodSeconds: config.probes.readinessPeriodSeconds,
            failureThreshold: config.probes.readinessFailureThreshold,
            // Above HEALTH_CHECK_TIMEOUT_MS (1 s), so a check that gives up still answers in time.
            timeoutSeconds: 2,
          },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        }],
        volumes: [{ name: 'tmp', emptyDir: { sizeLimit: config.tmpSizeLimit } }],
      },
    },
  },
}
