/**
 * The committed Kubernetes manifests (deploy/kubernetes/generated/<env>/<part>.yaml) as objects,
 * and the kubernetes-models class that validates each kind they use.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { ENVIRONMENTS, PARTS } from '../../deploy/kubernetes/render.ts';
import { REPO_ROOT } from './levee-process.ts';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

/** `apiVersion/kind` → a constructor whose instances validate against the Kubernetes schema. */
export const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1alpha1/AlertmanagerConfig': AlertmanagerConfig,
};

/** One committed manifest file's text. */
export const manifestText = (environment: string, part: string): string =>
  readFileSync(join(REPO_ROOT, 'deploy/kubernetes/generated', environment, `${part}.yaml`), 'utf8');

/** Its objects, read as YAML 1.2 (the default) or 1.1 (what kubectl's parser speaks). */
export const parseManifest = (text: string, version: '1.1' | '1.2' = '1.2'): KubernetesObject[] =>
  parseAllDocuments(text, { version }).map((document) => document.toJS() as KubernetesObject);

/** Per environment, its parts' objects in one list (as `kubectl apply -f generated/<env>/` sends them). */
export function committedManifests(): Array<{ environment: string; objects: KubernetesObject[] }> {
  return ENVIRONMENTS.map((environment) => ({
    environment,
    objects: PARTS.flatMap((part) => parseManifest(manifestText(environment, part))),
  }));
}

/** A workload's pod template, or undefined for kinds that run no pods. */
export function podTemplate(object: KubernetesObject): IPodTemplateSpec | undefined {
  return object.kind === 'Deployment' || object.kind === 'StatefulSet' ? (object.spec?.['template'] as IPodTemplateSpec) : undefined;
}

/** The containers running Levee's image (the API and the worker), with their Deployment. */
export function leveeContainers(objects: KubernetesObject[]): Array<{ deployment: KubernetesObject; pod: IPodTemplateSpec; container: IContainer }> {
  return objects.flatMap((object) => {
    const pod = podTemplate(object);
    return (pod?.spec?.containers ?? []).filter((container) => container.name === 'levee').map((container) => ({ deployment: object, pod: pod!, container }));
  });
}

/** Plausible values for the variables the manifests take from Secrets (never rendered). */
const SECRET_STAND_INS: Record<string, string> = {
  DATABASE_URL: 'postgres://levee:secret@postgres.example:5432/levee',
  REDIS_URL: 'redis://redis.example:6379',
  LLM_API_KEY: 'sk-stand-in-0123456789',
  API_KEYS: 'client-a:0123456789abcdef',
  ADMIN_TOKEN: 'admin-token-0123456789abcdef',
};

/** The container's environment as Levee would see it, Secrets replaced by stand-ins. */
export function containerEnv(container: IContainer): Record<string, string> {
  return Object.fromEntries(
    (container.env ?? []).map(({ name, value, valueFrom }) => {
      if (valueFrom === undefined) return [name, value ?? ''];
      assert.ok(valueFrom.secretKeyRef, `${name}: only Secrets are referenced`);
      assert.ok(SECRET_STAND_INS[name], `${name}: no stand-in value for this secret variable`);
      return [name, SECRET_STAND_INS[name]];
    }),
  );
}
