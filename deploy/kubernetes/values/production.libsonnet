// What production sets: more replicas spread across zones, and Redis and Postgres run outside the
// cluster (managed services), reached through URLs held in a Secret you create before applying
// (see README, "Running on Kubernetes"). After a change, `npm run manifests` re-renders
// generated/production/.
{
  name: 'production',
  namespace: 'levee',
  // The namespace is the platform's (quotas, RBAC, labels): create it yourself.
  createNamespace: false,

  levee: {
    // API replicas, owned by the autoscaler: at least three keep two serving while one rolls or
    // its node drains.
    autoscaling: { minReplicas: 3, maxReplicas: 12 },
    // One zone lost must not take every replica; refuse to stack them rather than pretend.
    topologySpread: { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' },
    // What one replica is sized for (CPU request = this × the bench's CPU per chat; see
    // ../lib/resources.libsonnet): the autoscaler adds a replica as the fleet's average nears
    // cpuTargetPercent of it.
    sizing: { chatsPerSecond: 500 },
    env: {
      LEVEE_ENV: 'production',
      // Your provider's OpenAI-compatible endpoint, /v1 included.
      LLM_BASE_URL: 'https://api.openai.com/v1',
      // Batches and imports run on the worker Deployment, not on the API replicas.
      JOB_CONCURRENCY: '0',
    },
    // name -> [Secret name, key]; the Secret `levee` is created out of band, never rendered here.
    secretEnv: {
      DATABASE_URL: ['levee', 'database-url'],
      REDIS_URL: ['levee', 'redis-url'],
      LLM_API_KEY: ['levee', 'llm-api-key'],
      API_KEYS: ['levee', 'api-keys'],
      ADMIN_TOKEN: ['levee', 'admin-token'],
    },
  },

  worker: {
    replicas: 2,
    // Job calls (batch lines, import embeddings) per second one worker is sized for.
    sizing: { callsPerSecond: 100 },
  },

  // The public name and its certificate (a Secret of type kubernetes.io/tls, e.g. from
  // cert-manager); clients reach https://<host>/v1.
  ingress+: { host: 'levee.example.com', tlsSecret: 'levee-tls' },

  stores: { enabled: false },
}
