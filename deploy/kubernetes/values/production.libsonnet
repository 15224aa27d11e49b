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
    resources: {
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { memory: '1Gi' },
    },
    env: {
      LEVEE_ENV: 'production',
      // Your provider's OpenAI-compatible endpoint, /v1 included.
      LLM_BASE_URL: 'https://api.openai.com/v1',
      // Batches and imports run on the worker Deployment, not on the API replicas.
      JOB_CONCURRENCY: '0',
      // The ingress controller (or cloud load balancer) is the one proxy in front of Levee.
      TRUST_PROXY_HOPS: '1',
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
    resources: {
      requests: { cpu: '250m', memory: '384Mi' },
      limits: { memory: '768Mi' },
    },
  },

  stores: { enabled: false },
}
