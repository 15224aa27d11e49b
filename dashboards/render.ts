/**
 * `npm run dashboards`: renders every dashboard (dashboards/*.jsonnet → dashboards/generated/*.json)
 * and the alerting configs (alerts/targets.ts) into their committed copies.
 * `--check` renders without writing and exits 1 naming what is stale.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alertTargets } from '../alerts/targets.ts';
import { runRenderCommand, type RenderTarget } from './lib/jsonnet-render.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export function dashboardTargets(): RenderTarget[] {
  const directory = join(root, 'dashboards');
  return readdirSync(directory)
    .filter((name) => name.endsWith('.jsonnet'))
    .sort()
    .map((name) => ({ source: join(directory, name), output: join(directory, 'generated', `${basename(name, '.jsonnet')}.json`), format: 'json' }));
}

export function allTargets(): RenderTarget[] {
  return [...dashboardTargets(), ...alertTargets(root)];
}

if (import.meta.url === `file://${process.argv[1]}`) await runRenderCommand(allTargets(), root, 'dashboards');
