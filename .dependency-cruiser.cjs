/**
 * Levee's layer rules, checked by `npm run lint:layers` (part of `npm test`). Requests flow one
 * way:
 *
 *   edge → features → capabilities → deps → resilience → telemetry
 *
 * main.ts and composition/ (the composition root) wire everything and may import anything;
 * config.ts, config/ and errors.ts are shared by every layer. Features may also call the LLM
 * gateway in deps/ directly (it is the dependency's use-case face, with its policies inside).
 * Unit tests (*.test.ts) may reach past a layer to set up what they test; cycles are forbidden
 * everywhere, type-only imports included.
 *
 * A red check means the design moved: fix the import, or change the rule here on purpose and say
 * why in the commit. test/layer-rules.test.ts proves each rule fires on a fixture.
 */

/** The only file of each capability that features may import: its interface. */
const CAPABILITY_INTERFACES = [
  '^service/capabilities/batches/batch-store[.]ts$',
  '^service/capabilities/cache/cache[.]ts$',
  '^service/capabilities/conversations/conversation-store[.]ts$',
  '^service/capabilities/files/file-store[.]ts$',
  '^service/capabilities/health/health-check[.]ts$',
  '^service/capabilities/idempotency/idempotency-store[.]ts$',
  '^service/capabilities/imports/import-store[.]ts$',
  '^service/capabilities/job-notices/job-notices[.]ts$',
  '^service/capabilities/jobs/job-queue[.]ts$',
  '^service/capabilities/rate-limits/rate-limit[.]ts$',
  '^service/capabilities/vector-store/vector-store[.]ts$',
];

/** Packages that talk to Redis or Postgres, or are stores of their own: capabilities' and deps' business. */
const CLIENT_PACKAGES = '(^|/)node_modules/(redis|@redis/.+|pg|pg-.+|@electric-sql/.+|undici|keyv|@keyv/.+|lru-cache)/';

/** Relative when a fixture tree is cruised from its own directory. */
const NODE_MODULES = '(^|/)node_modules/';
const UNIT_TESTS = '[.]test[.]ts$';
// worker.ts is the second entry point: main.ts in its worker role.
const COMPOSITION_ROOT = '^service/(main[.]ts|worker[.]ts|composition/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle (type-only imports included) means two modules cannot be understood, tested or moved apart. Invert one dependency.',
      from: { pathNot: NODE_MODULES },
      to: { circular: true },
    },
    {
      name: 'telemetry-is-a-kit',
      severity: 'error',
      comment: 'The telemetry kit (SDK set-up, names, metrics, logger) is the bottom layer: everything may use it, it uses nothing of Levee.',
      from: { path: '^service/telemetry/', pathNot: UNIT_TESTS },
      to: { path: '^service/', pathNot: '^service/telemetry/' },
    },
    {
      name: 'resilience-is-a-kit',
      severity: 'error',
      comment: 'The policy kit knows no dependency, feature or route: it is reused by every dependency and only reports through telemetry. State it shares across replicas goes through ports it declares (breaker-fleet.ts, outgoing-quota.ts), implemented under capabilities/.',
      from: { path: '^service/resilience/', pathNot: UNIT_TESTS },
      to: { path: '^service/', pathNot: '^service/(resilience|telemetry)/' },
    },
    {
      name: 'deps-know-no-callers',
      severity: 'error',
      comment: 'deps/<system>/ is how Levee talks to one system (client, policy sheet, errors). It never knows who calls it: capabilities, features and routes depend on it, not the other way round.',
      from: { path: '^service/deps/', pathNot: UNIT_TESTS },
      to: { path: ['^service/(edge|features|capabilities|composition)/', '^service/main[.]ts$'] },
    },
    {
      name: 'capabilities-know-no-use-cases',
      severity: 'error',
      comment: 'A capability (an interface and its memory / Redis / Postgres implementations) serves use cases; it never imports them or the HTTP edge.',
      from: { path: '^service/capabilities/', pathNot: UNIT_TESTS },
      to: { path: ['^service/(edge|features|composition)/', '^service/main[.]ts$'] },
    },
    {
      name: 'features-take-capability-interfaces',
      severity: 'error',
      comment: 'Use cases see shared state only through a capability interface; which implementation (memory, Redis, Postgres) runs is chosen once, in the composition root.',
      from: { path: '^service/features/', pathNot: UNIT_TESTS },
      to: { path: '^service/capabilities/', pathNot: CAPABILITY_INTERFACES },
    },
    {
      name: 'features-issue-no-commands',
      severity: 'error',
      comment: 'No Redis command, SQL or store client in a use case: those live in capabilities/ and deps/. The LLM gateway is the one dependency features call directly.',
      from: { path: '^service/features/', pathNot: UNIT_TESTS },
      to: { path: ['^service/deps/', CLIENT_PACKAGES], pathNot: '^service/deps/llm/llm-gateway[.]ts$' },
    },
    {
      name: 'features-know-no-http',
      severity: 'error',
      comment: 'Use cases take plain values and signals, never Koa types, so they run the same from a route, a job or a test.',
      from: { path: '^service/features/', pathNot: UNIT_TESTS },
      to: { path: ['^service/(edge|composition)/', '^service/main[.]ts$', '(^|/)node_modules/(koa|@koa/.+|koa-.+)/'] },
    },
    {
      name: 'edge-talks-to-features',
      severity: 'error',
      comment: 'Routes and middleware translate HTTP to use cases and back; they reach shared state and dependencies only through features (types included), so a feature can change its storage without touching a route.',
      from: { path: '^service/edge/', pathNot: UNIT_TESTS },
      to: { path: ['^service/(deps|capabilities|composition)/', '^service/main[.]ts$'] },
    },
    {
      name: 'only-main-composes',
      severity: 'error',
      comment: 'The composition root chooses implementations; nothing else may depend on those choices.',
      from: { path: '^service/', pathNot: [COMPOSITION_ROOT, UNIT_TESTS] },
      to: { path: COMPOSITION_ROOT },
    },
    {
      name: 'config-reads-only-the-environment',
      severity: 'error',
      comment: 'config.ts is the only reader of process.env; its parsers depend on nothing else, so every layer may import its types.',
      from: { path: '^service/config(/|[.]ts$)', pathNot: UNIT_TESTS },
      to: { path: '^service/', pathNot: '^service/config(/|[.]ts$)' },
    },
    {
      name: 'test-tools-stay-in-tests',
      severity: 'error',
      comment: 'node:test (mocks, fake timers) belongs to *.test.ts files and the testing/ helpers beside them, never to code that ships.',
      from: { path: '^(service|simulator)/', pathNot: [UNIT_TESTS, '/testing/'] },
      to: { path: ['^(node:)?test$', '/testing/'] },
    },
    {
      name: 'simulator-is-standalone',
      severity: 'error',
      comment: 'The simulator plays a provider Levee does not control: sharing Levee code would hide protocol mistakes on both sides.',
      from: { path: '^simulator/' },
      to: { path: '^service/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve fails at run time (Node runs the .ts files as written).',
      from: { pathNot: NODE_MODULES },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: NODE_MODULES },
    exclude: { path: '^test/fixtures/layers/' },
    // Type-only imports count: a type is a dependency of the design too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] },
  },
};
