/**
 * The Kubernetes manifests (deploy/kubernetes/, `npm run manifests`): the committed YAML is what
 * the jsonnet renders, every object is valid Kubernetes, and the manifests agree with Levee's code
 * (its config schema accepts their variables, its probes exist, selectors find their pods, the
 * shutdown arithmetic holds) and with the monitoring as code (the rules are alerts/generated's,
 * scraped under the job they select; the dashboards are dashboards/generated's). Sizing and
 * traffic: kubernetes-traffic.test.ts; the AlertmanagerConfig: kubernetes-alerting.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { manifestTargets } from '../deploy/kubernetes/render.ts';
import { staleTargets } from '../dashboards/lib/jsonnet-render.ts';
import { environmentSchema, loadConfig, type Config } from '../service/config.ts';
import { MODELS, committedManifests, containerEnv, leveeContainers, podTemplate, type KubernetesObject } from './support/kubernetes-manifests.ts';
import { REPO_ROOT, spawnLevee, type LeveeProcess } from './support/levee-process.ts';

const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const environments = committedManifests();
const committedRules: unknown = parse(readFileSync(join(REPO_ROOT, 'alerts/generated/levee-rules.yaml'), 'utf8'));
const run = promisify(execFile);

const labelsMatch = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Pods' labels of every workload in one environment. */
const podLabels = (objects: KubernetesObject[]) =>
  objects.flatMap((object) => {
    const labels = podTemplate(object)?.metadata?.labels;
    return labels ? [labels] : [];
  });

describe('kubernetes manifests', () => {
  it('the committed YAML is what the jsonnet renders', async () => {
    assert.deepEqual(await staleTargets(manifestTargets(), REPO_ROOT), [], 'run `npm run manifests`');
  });

  for (const { environment, objects } of environments) {
    describe(environment, () => {
      it('every object validates against the Kubernetes schema', () => {
        for (const object of objects) {
          const Model = MODELS[`${object.apiVersion}/${object.kind}`];
          assert.ok(Model, `${object.kind} ${object.metadata.name}: no model for ${object.apiVersion}`);
          assert.doesNotThrow(() => new Model(object as never).validate(), `${object.kind} ${object.metadata.name}`);
        }
      });

      it('holds the API and the worker, each with a disruption budget, and an autoscaler and Service for the API', () => {
        const names = (kind: string) => objects.filter((object) => object.kind === kind).map((object) => object.metadata.name).sort();
        assert.deepEqual(leveeContainers(objects).map(({ deployment }) => deployment.metadata.name).sort(), ['levee', 'levee-worker']);
        assert.deepEqual(names('PodDisruptionBudget'), ['levee', 'levee-worker']);
        assert.deepEqual(names('HorizontalPodAutoscaler'), ['levee']);
        assert.ok(names('Service').includes('levee'));
        assert.ok(names('NetworkPolicy').includes('levee'));
        assert.deepEqual(names('ServiceAccount'), ['levee']);
      });

      it("Levee's config schema accepts every variable the containers set, with those values", () => {
        const known = new Set(Object.keys(environmentSchema.shape));
        for (const { deployment, container } of leveeContainers(objects)) {
          const env = containerEnv(container);
          for (const name of Object.keys(env)) assert.ok(known.has(name), `${deployment.metadata.name}: ${name} is not a Levee variable`);
          assert.doesNotThrow(() => loadConfig(env), `${deployment.metadata.name}`);
        }
      });

      it('runs the pinned image, non-root on a read-only root, with every path Levee writes mounted', () => {
        for (const { deployment, pod, container } of leveeContainers(objects)) {
          const name = deployment.metadata.name;
          assert.equal(container.image?.split(':').at(-1), version, `${name}: tagged with package.json's version`);
          assert.equal(pod.spec?.securityContext?.runAsNonRoot, true, name);
          assert.equal(container.securityContext?.readOnlyRootFilesystem, true, name);
          assert.equal(container.securityContext?.allowPrivilegeEscalation, false, name);
          const config = loadConfig(containerEnv(container));
          const mounted = (path: string) => (container.volumeMounts ?? []).some(({ mountPath }) => path === mountPath || path.startsWith(`${mountPath}/`));
          assert.ok(mounted('/tmp'), `${name}: /tmp is writable`);
          // DATA_DIR is written only by the embedded store, which runs without DATABASE_URL.
          if (!config.databaseUrl) assert.ok(mounted(join('/app', config.postgres.dataDir)), `${name}: DATA_DIR is writable`);
          assert.equal(container.ports?.find((port) => port.name === 'http')?.containerPort, config.http.port, `${name}: the http port is Levee's PORT`);
        }
      });

      it('gives Levee its drain delay and grace before SIGKILL, and rolls without losing capacity', () => {
        for (const { deployment, pod, container } of leveeContainers(objects)) {
          const name = deployment.metadata.name;
          const config: Config = loadConfig(containerEnv(container));
          const { drainDelayMs, graceMs } = config.shutdown;
          assert.ok((pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000 > drainDelayMs + graceMs, `${name}: terminationGracePeriodSeconds > drain + grace`);
          const readiness = container.readinessProbe!;
          assert.ok((readiness.periodSeconds ?? 10) * (readiness.failureThreshold ?? 3) * 1000 <= drainDelayMs, `${name}: readiness fails within the drain delay`);
          assert.ok(container.startupProbe, `${name}: has a startup probe`);
          const strategy = deployment.spec?.['strategy'] as { rollingUpdate?: { maxUnavailable?: number } };
          assert.equal(strategy.rollingUpdate?.maxUnavailable, 0, `${name}: maxUnavailable 0`);
        }
      });

      it('a worker has what `npm run worker` requires: DATABASE_URL and JOB_CONCURRENCY above 0', () => {
        const workers = leveeContainers(objects).filter(({ container }) => container.command?.includes('service/worker.ts'));
        assert.equal(workers.length, 1);
        const config = loadConfig(containerEnv(workers[0]!.container));
        assert.ok(config.databaseUrl);
        assert.ok(config.jobs.concurrency > 0);
      });

      it('Service, disruption budgets, autoscaler and Deployments select the pods they mean', () => {
        const pods = podLabels(objects);
        for (const object of objects) {
          const spec = object.spec ?? {};
          const what = `${object.kind} ${object.metadata.name}`;
          if (object.kind === 'Service') assert.ok(pods.some((labels) => labelsMatch(spec['selector'] as Record<string, string>, labels)), what);
          if (object.kind === 'PodDisruptionBudget') {
            assert.ok(pods.some((labels) => labelsMatch((spec['selector'] as { matchLabels: Record<string, string> }).matchLabels, labels)), what);
          }
          if (object.kind === 'Deployment' || object.kind === 'StatefulSet') {
            const selector = (spec['selector'] as { matchLabels: Record<string, string> }).matchLabels;
            assert.ok(labelsMatch(selector, podTemplate(object)?.metadata?.labels), `${what}: selects its own pods`);
          }
          if (object.kind === 'HorizontalPodAutoscaler') {
            const target = spec['scaleTargetRef'] as { kind: string; name: string };
            assert.ok(objects.some((candidate) => candidate.kind === target.kind && candidate.metadata.name === target.name), what);
          }
        }
        // The API's Service must not send traffic to the worker, which serves no API.
        const service = objects.find((object) => object.kind === 'Service' && object.metadata.name === 'levee')!;
        const worker = leveeContainers(objects).find(({ deployment }) => deployment.metadata.name === 'levee-worker')!;
        assert.ok(!labelsMatch(service.spec!['selector'] as Record<string, string>, worker.pod.metadata?.labels));
      });
    });
  }

  describe('monitoring', () => {
    let leveeJob: string;
    before(async () => {
      const { stdout } = await run('jsonnet', [join(REPO_ROOT, 'dashboards', 'config.libsonnet')]);
      leveeJob = (JSON.parse(stdout) as { leveeJob: string }).leveeJob;
    });

    for (const { environment, objects } of environments) {
      it(`${environment}: the PrometheusRule holds exactly alerts/generated/levee-rules.yaml`, () => {
        const rules = objects.filter((object) => object.kind === 'PrometheusRule');
        assert.equal(rules.length, 1);
        assert.deepEqual(rules[0]!.spec, committedRules);
      });

      it(`${environment}: one ConfigMap per dashboard in dashboards/generated, byte for byte, labelled for the Grafana sidecar`, () => {
        const generated = readdirSync(join(REPO_ROOT, 'dashboards/generated')).filter((file) => file.endsWith('.json')).sort();
        assert.ok(generated.length >= 4, `dashboards/generated holds ${generated.length}`);
        const configMaps = objects.filter((object) => object.kind === 'ConfigMap' && object.metadata.labels?.['grafana_dashboard'] === '1');
        const files = configMaps.flatMap((configMap) => Object.entries(configMap.data ?? {}));
        assert.deepEqual(files.map(([file]) => file).sort(), generated);
        for (const [file, text] of files) assert.equal(text, readFileSync(join(REPO_ROOT, 'dashboards/generated', file), 'utf8'), file);
      });

      it(`${environment}: the ServiceMonitor scrapes the API and the worker under the rules' job`, () => {
        const monitor = objects.find((object) => object.kind === 'ServiceMonitor')!;
        const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; jobLabel: string; endpoints: Array<{ port: string; path: string }> };
        const services = objects.filter((object) => object.kind === 'Service' && labelsMatch(spec.selector.matchLabels, object.metadata.labels));
        assert.equal(services.length, 1);
        const service = services[0]!;
        assert.equal(service.metadata.labels?.[spec.jobLabel], leveeJob, 'job label = dashboards/config.libsonnet leveeJob');
        const servicePorts = service.spec!['ports'] as Array<{ name: string; targetPort: string }>;
        const scraped = leveeContainers(objects).filter(({ pod }) => labelsMatch(service.spec!['selector'] as Record<string, string>, pod.metadata?.labels));
        assert.deepEqual(scraped.map(({ deployment }) => deployment.metadata.name).sort(), ['levee', 'levee-worker']);
        // Each scraped port lands on the container port where that process serves /metrics.
        for (const endpoint of spec.endpoints) {
          const servicePort = servicePorts.find((port) => port.name === endpoint.port);
          assert.ok(servicePort, endpoint.port);
          for (const { deployment, container } of scraped) {
            const config = loadConfig(containerEnv(container));
            const target: number | undefined = container.ports?.find((port) => port.name === servicePort.targetPort)?.containerPort;
            assert.equal(target, config.metricsPort ?? config.http.port, `${deployment.metadata.name}: scraped on its metrics port`);
          }
        }
      });
    }
  });

  describe('probe and scrape paths', () => {
    let levee: LeveeProcess;
    before(async () => {
      levee = await spawnLevee();
    });
    after(async () => {
      await levee.stop();
    });

    it('answer 200 on a running Levee', async () => {
      const paths = new Set(
        environments.flatMap(({ objects }) =>
          leveeContainers(objects).flatMap(({ container }) => [container.livenessProbe, container.readinessProbe, container.startupProbe].map((probe) => probe?.httpGet?.path)),
        ),
      );
      assert.deepEqual([...paths].sort(), ['/health/live', '/health/ready']);
      for (const { objects } of environments) {
        const monitor = objects.find((object) => object.kind === 'ServiceMonitor')!;
        for (const endpoint of monitor.spec!['endpoints'] as Array<{ path: string }>) paths.add(endpoint.path);
      }
      for (const path of paths) assert.equal((await fetch(`${levee.url}${path}`)).status, 200, path);
    });
  });
});
