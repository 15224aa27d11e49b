// Labels on every Levee object; selectors use only the stable pair (name, component), because a
// Deployment's selector is immutable and the version label changes with every release.
{
  selector(component):: {
    'app.kubernetes.io/name': 'levee',
    'app.kubernetes.io/component': component,
  },
  all(component, version):: self.selector(component) {
    'app.kubernetes.io/part-of': 'levee',
    'app.kubernetes.io/version': version,
  },
}
