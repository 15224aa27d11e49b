// The dev environment (values/dev.libsonnet); `npm run manifests` writes each part to
// generated/dev/<part>.yaml.
function(version, part, bench) (import 'lib/environment.libsonnet')(import 'values/dev.libsonnet', version, part, bench)
