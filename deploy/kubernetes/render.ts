/**
 * `npm run manifests`: renders each environment (deploy/kubernetes/<env>.jsonnet) into plain YAML,
 * one file per part under deploy/kubernetes/generated/<env>/, committed so `kubectl apply -f`
 * needs no tool of ours. The image is tagged with package.json's version; resources are sized from
 * the newest full bench run (bench-figures.ts). `--check` renders
 * without writing and exits 1 naming what is stale.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRenderCommand, type RenderTarget } from '../../dashboards/lib/jsonnet-render.ts';
import { benchFigures } from './bench-figures.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const ENVIRONMENTS = ['dev', 'production'] as const;
/** `levee`: plain Kubernetes objects; `monitoring`: Prometheus Operator ones, apart since they need its CRDs. */
export const PARTS = ['levee', 'monitoring'] as const;

export function manifestTargets(): RenderTarget[] {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const directory = join(root, 'deploy', 'kubernetes');
  const bench = JSON.stringify(benchFigures(root));
  return ENVIRONMENTS.flatMap((environment) =>
    PARTS.map((part): RenderTarget => ({
      source: join(directory, `${environment}.jsonnet`),
      output: join(directory, 'generated', environment, `${part}.yaml`),
      format: 'yaml-stream',
      topLevelCode: { version: JSON.stringify(version), part: JSON.stringify(part), bench },
      script: 'manifests',
    })),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runRenderCommand(manifestTargets(), root, 'manifests');
