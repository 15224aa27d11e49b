// One part of an environment, in apply order (the namespace first): `levee` (plain Kubernetes) or
// `monitoring` (Prometheus Operator CRDs), from the defaults overridden by the environment's
// values, given the image version and the bench figures resources are sized from.
local defaults = import 'defaults.libsonnet';
local levee = import 'levee.libsonnet';
local monitoring = import 'monitoring.libsonnet';
local stores = import 'stores.libsonnet';

function(values, version, part, bench)
  local config = defaults + values + { version: version, bench: bench };
  if part == 'monitoring' then monitoring(config) else
  (if config.createNamespace then [{
     apiVersion: 'v1',
     kind: 'Namespace',
     metadata: { name: config.namespace, labels: { 'app.kubernetes.io/part-of': 'levee' } },
   }] else [])
  + (if config.stores.enabled then stores(config) else [])
  + levee(config)
