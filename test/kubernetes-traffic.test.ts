/**
 * The Kubernetes manifests' sizing and traffic (deploy/kubernetes/lib/resources.libsonnet and
 * network.libsonnet): resources follow what the newest full bench run measured; only the ingress
 * controller and Prometheus reach Levee; the Ingress lets through what Levee accepts (its request
 * timeout, its largest upload, streamed chats); and kubectl's YAML 1.1 reads what we wrote.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchFigures } from '../deploy/kubernetes/bench-figures.ts';
import { ENVIRONMENTS, PARTS } from '../deploy/kubernetes/render.ts';
import { loadConfig } from '../service/config.ts';
import { committedManifests, containerEnv, leveeContainers, manifestText, parseManifest, type KubernetesObject } from './support/kubernetes-manifests.ts';
import { REPO_ROOT } from './support/levee-process.ts';

const bench = benchFigures(REPO_ROOT);

/** A Kubernetes quantity in MiB (memory) or cores (CPU). */
function quantity(value: string | number | undefined): number {
  const text = String(value);
  const match = /^(\d+(?:\.\d+)?)(Mi|Gi|m|)$/.exec(text);
  assert.ok(match, `unexpected quantity ${text}`);
  const scale = { Mi: 1, Gi: 1024, m: 0.001, '': 1 }[match[2] as 'Mi' | 'Gi' | 'm' | ''];
  return Number(match[1]) * scale;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** Whether a selector picks pods with these labels (the `In` expressions the manifests use). */
function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values }) => {
    assert.equal(operator, 'In', `unexpected selector operator ${operator}`);
    return labels[key] !== undefined && (values ?? []).includes(labels[key]);
  });
  return byLabel && byExpression;
}

interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes: string[];
  ingress: Array<{ from?: Array<{ namespaceSelector?: unknown; podSelector?: { matchLabels: Record<string, string> } }>; ports: Array<{ port: string | number }> }>;
  egress: Array<{ ports: Array<{ port: number }> }>;
}

/** The pods (by their app.kubernetes.io/name) allowed to reach a component, and on which ports. */
function allowedSources(objects: KubernetesObject[], podLabels: Record<string, string>): { sources: string[]; ports: Array<string | number> } {
  const policies = objects
    .filter((object) => object.kind === 'NetworkPolicy')
    .map((object) => object.spec as unknown as NetworkPolicySpec)
    .filter((spec) => selects(spec.podSelector, podLabels));
  assert.ok(policies.length > 0 && policies.every((spec) => spec.policyTypes.includes('Ingress')), 'a policy restricts ingress');
  const rules = policies.flatMap((spec) => spec.ingress);
  for (const rule of rules) assert.ok((rule.from ?? []).length > 0, 'no rule admits every source');
  for (const peer of rules.flatMap((rule) => rule.from ?? [])) assert.ok(peer.namespaceSelector && peer.podSelector, 'each source names its namespace and pods');
  return {
    sources: [...new Set(rules.flatMap((rule) => rule.from!.map((peer) => peer.podSelector!.matchLabels['app.kubernetes.io/name']!)))].sort(),
    ports: rules.flatMap((rule) => rule.ports.map((port) => port.port)),
  };
}

describe('kubernetes manifests: sizing and traffic', () => {
  it('kubectl (YAML 1.1) reads every committed file as we do (YAML 1.2): no plain `off` or `yes` turns boolean', () => {
    for (const environment of ENVIRONMENTS) {
      for (const part of PARTS) {
        const text = manifestText(environment, part);
        assert.deepEqual(parseManifest(text, '1.1'), parseManifest(text), `${environment}/${part}`);
      }
    }
  });

  for (const { environment, objects } of committedManifests()) {
    describe(environment, () => {
      it('sizes every Levee container from the newest full bench run: memory at or above what it measured, no CPU limit', () => {
        for (const { deployment, container } of leveeContainers(objects)) {
          const name = deployment.metadata.name;
          const resources = container.resources ?? {};
          assert.ok(deployment.metadata.annotations?.['levee/resources-from']?.startsWith(`${bench.source}: `), `${name}: names ${bench.source}`);
          const limit = quantity(resources.limits?.['memory']);
          const request = quantity(resources.requests?.['memory']);
          assert.ok(limit >= bench.peakRssMiB * 1.2, `${name}: memory limit ${limit} MiB has room above the peak RSS measured (${bench.peakRssMiB} MiB)`);
          const floor = name === 'levee' ? bench.steadyRssMiB : bench.idleRssMiB;
          assert.ok(request >= floor && request <= limit, `${name}: memory request ${request} MiB between ${floor} MiB measured and the limit`);
          assert.ok(quantity(resources.requests?.['cpu']) > 0, `${name}: requests CPU`);
          assert.equal(resources.limits?.['cpu'], undefined, `${name}: no CPU limit (a quota throttles the event loop)`);
        }
      });

      it('lets only the ingress controller and Prometheus reach the API, only Prometheus the worker, on the http port', () => {
        const expected: Record<string, string[]> = { levee: ['ingress-nginx', 'prometheus'], 'levee-worker': ['prometheus'] };
        for (const { deployment, pod, container } of leveeContainers(objects)) {
          const { sources, ports } = allowedSources(objects, pod.metadata?.labels ?? {});
          assert.deepEqual(sources, expected[deployment.metadata.name], deployment.metadata.name);
          const named = (container.ports ?? []).map((port) => port.name);
          for (const port of ports) assert.ok(named.includes(String(port)), `${deployment.metadata.name}: port ${port} is the container's`);
        }
        const egress = objects.filter((object) => object.kind === 'NetworkPolicy').flatMap((object) => (object.spec as unknown as NetworkPolicySpec).egress ?? []);
        const egressPorts = new Set(egress.flatMap((rule) => rule.ports.map((port) => port.port)));
        for (const port of [53, 443, 5432, 6379]) assert.ok(egressPorts.has(port), `egress to port ${port} (DNS, providers, Postgres, Redis)`);
      });

      it("routes the Ingress to the API's Service, waiting longer than Levee's request timeout and taking its largest upload, unbuffered", () => {
        const ingress = objects.find((object) => object.kind === 'Ingress')!;
        const backend = (ingress.spec!['rules'] as Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }>)[0]!.http.paths[0]!.backend.service;
        const service = objects.find((object) => object.kind === 'Service' && object.metadata.name === backend.name)!;
        assert.ok((service.spec!['ports'] as Array<{ name: string }>).some((port) => port.name === backend.port.name), 'the Service has the port');
        assert.equal(service.metadata.labels?.['app.kubernetes.io/component'], 'api');

        const api = leveeContainers(objects).find(({ deployment }) => deployment.metadata.name === 'levee')!;
        const config = loadConfig(containerEnv(api.container));
        const annotations = ingress.metadata.annotations ?? {};
        for (const timeout of ['proxy-read-timeout', 'proxy-send-timeout']) {
          const seconds = Number(annotations[`nginx.ingress.kubernetes.io/${timeout}`]);
          assert.ok(seconds * 1000 > config.requests.timeoutMs, `${timeout} ${seconds} s > REQUEST_TIMEOUT_MS ${config.requests.timeoutMs}`);
        }
        const bodyMiB = quantity(annotations['nginx.ingress.kubernetes.io/proxy-body-size']?.replace(/m$/, 'Mi'));
        assert.ok(bodyMiB * 1024 * 1024 >= Math.max(config.files.maxBytes, config.http.bodyLimitBytes), `proxy-body-size ${bodyMiB} MiB`);
        assert.equal(annotations['nginx.ingress.kubernetes.io/proxy-buffering'], 'off');
        assert.equal(config.http.trustProxyHops, 1, 'the ingress controller is the one proxy: its X-Forwarded-For entry is the client');
      });
    });
  }
});
