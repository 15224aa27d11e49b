/**
 * The committed Kubernetes manifests (deploy/kubernetes/generated/<env>/<part>.yaml) as objects,
 * and the kubernetes-models class that validates each kind they use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { ENVIRONMENTS, PARTS } from '../../deploy/kubernetes/render.ts';
import { REPO_ROOT } from './levee-process.ts';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** `apiVersion/kind` → a constructor whose instances validate against the Kubernetes schema. */
export const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** Per environment, its parts' objects in one list (as `kubectl apply -f generated/<env>/` sends them). */
export function committedManifests(): Array<{ environment: string; objects: KubernetesObject[] }> {
  return ENVIRONMENTS.map((environment) => ({
    environment,
    objects: PARTS.flatMap((part) => {
      const text = readFileSync(join(REPO_ROOT, 'deploy/kubernetes/generated', environment, `${part}.yaml`), 'utf8');
      return parseAllDocuments(text).map((document) => document.toJS() as KubernetesObject);
    }),
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
