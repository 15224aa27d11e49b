/** The alerting artefacts rendered from jsonnet and committed under alerts/generated/. */
import { join } from 'node:path';
import type { RenderTarget } from '../dashboards/lib/jsonnet-render.ts';

export function alertTargets(root: string): RenderTarget[] {
  const alerts = join(root, 'alerts');
  const generated = join(alerts, 'generated');
  return [
    { source: join(alerts, 'rules.jsonnet'), output: join(generated, 'levee-rules.yaml'), format: 'yaml' },
    { source: join(alerts, 'alertmanager.jsonnet'), output: join(generated, 'alertmanager.yml'), format: 'yaml' },
    { source: join(alerts, 'alertmanager.jsonnet'), output: join(generated, 'alertmanager.test.yml'), format: 'yaml', topLevelCode: { variant: "'test'" } },
    { source: join(alerts, 'prometheus.jsonnet'), output: join(generated, 'prometheus.yml'), format: 'yaml' },
  ];
}
