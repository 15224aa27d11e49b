// What the dev environment sets: one namespace holding Levee, its worker and the data stores it
// needs (Redis and a pgvector Postgres as StatefulSets). Shared defaults are in
// ../lib/defaults.libsonnet; after a change, `npm run manifests` re-renders generated/dev/ (a test
// fails while it is stale).
{
  name: 'dev',
  namespace: 'levee-dev',
  // Create the namespace too: dev is self-contained, `kubectl apply -f generated/dev/` is all.
  createNamespace: true,

  levee: {
    // API replicas, owned by the autoscaler: one, and a second under load.
    autoscaling: { minReplicas: 1, maxReplicas: 2 },
    // One node clusters (kind, minikube): spreading is a preference, never a reason to stay Pending.
    topologySpread: { topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
    // A laptop's traffic: the CPU request is sized for this many chats per second (memory is as
    // measured either way; ../lib/resources.libsonnet).
    sizing: { chatsPerSecond: 50 },
    // Variables that differ from Levee's defaults (service/config.ts). No LLM_BASE_URL: Levee
    // answers from its embedded simulator, so dev needs no provider key.
    env: {
      LEVEE_ENV: 'development',
      LOG_LEVEL: 'debug',
      REDIS_URL: 'redis://redis:6379',
    },
    // Secret variables: name -> [Secret name, key]. The dev Secret is generated with the stores.
    secretEnv: {
      DATABASE_URL: ['levee-dev-postgres', 'database-url'],
    },
  },

  worker: {
    replicas: 1,
    sizing: { callsPerSecond: 20 },
  },

  // Data stores run inside the namespace (only in dev; production points at managed ones).
  stores: {
    enabled: true,
    // Pinned by version, like Levee's image; pgvector's image is Postgres with the extension built.
    redisImage: 'redis:7.4.2-alpine',
    postgresImage: 'pgvector/pgvector:0.8.0-pg17',
    postgresStorage: '1Gi',
    // A throwaway password for a throwaway database: dev only, committed on purpose.
    postgresPassword: 'levee-dev-only',
  },
}
