// The production environment (values/production.libsonnet); `npm run manifests` writes each part to
// generated/production/<part>.yaml.
function(version, part, bench) (import 'lib/environment.libsonnet')(import 'values/production.libsonnet', version, part, bench)
