// Dev's own data stores: Redis (no persistence: Levee treats it as shared, rebuildable state) and
// Postgres with pgvector (a volume, so collections survive a restart). Production uses managed
// services instead. Reachable only from Levee's pods.
function(config)
  local stores = config.stores;
  // Their own names, so Levee's NetworkPolicy (every pod named levee) never selects them.
  local selector(name) = { 'app.kubernetes.io/name': name };
  local storeLabels(name) = selector(name) { 'app.kubernetes.io/part-of': 'levee' };
  local meta(name) = { name: name, namespace: config.namespace, labels: storeLabels(name) };
  // Both images run as uid 999 (their `redis` and `postgres` users).
  local podSecurity = { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } };
  local containerSecurity = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  local service(name, port) = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name),
    spec: { selector: selector(name), ports: [{ name: name, port: port, targetPort: port, protocol: 'TCP' }] },
  };
  local statefulSet(name, container, extra) = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(name),
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: selector(name) },
      template: {
        metadata: { labels: storeLabels(name) },
        spec: { securityContext: podSecurity, containers: [container { name: name, securityContext: containerSecurity }] },
      },
    } + extra,
  };
  local databaseUrl = 'postgres://levee:%s@postgres:5432/levee' % stores.postgresPassword;
  [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('levee-dev-postgres'),
      type: 'Opaque',
      stringData: { password: stores.postgresPassword, 'database-url': databaseUrl },
    },
    statefulSet('redis', {
      image: stores.redisImage,
      args: ['--save', '', '--appendonly', 'no'],
      ports: [{ containerPort: 6379, name: 'redis' }],
      readinessProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 5 },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    }, {}),
    service('redis', 6379),
    statefulSet('postgres', {
      image: stores.postgresImage,
      ports: [{ containerPort: 5432, name: 'postgres' }],
      env: [
        { name: 'POSTGRES_USER', value: 'levee' },
        { name: 'POSTGRES_DB', value: 'levee' },
        { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'levee-dev-postgres', key: 'password' } } },
        // A subdirectory: the volume's root holds lost+found, which initdb refuses.
        { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
      ],
      readinessProbe: { exec: { command: ['pg_isready', '-U', 'levee', '-d', 'levee'] }, periodSeconds: 5 },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
      volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
    }, {
      volumeClaimTemplates: [{
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: stores.postgresStorage } } },
      }],
    }),
    service('postgres', 5432),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('stores'),
      spec: {
        podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['redis', 'postgres'] }] },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'levee' } } }] }],
      },
    },
  ]
