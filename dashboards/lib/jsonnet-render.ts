/**
 * Renders committed artefacts from jsonnet sources with the system `jsonnet` binary (Debian's
 * 0.18; `npm test` installs it), or checks that the committed copies are current. One runner for
 * the dashboards and the alerting configs, so both are rendered the same way.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

const run = promisify(execFile);

export interface RenderTarget {
  /** The jsonnet file, absolute. */
  source: string;
  /** Where the rendered text is committed, absolute. */
  output: string;
  /**
   * How the value is written: `json` pretty-printed, or `yaml` (Prometheus and Alertmanager
   * configs). YAML is written here rather than by std.manifestYamlDoc, which takes jsonnet 0.18
   * about 6 s on the rules where this takes milliseconds. `yaml-stream` writes an array as one
   * document per element (Kubernetes manifests, applied in that order).
   */
  format: 'json' | 'yaml' | 'yaml-stream';
  /** Top-level arguments passed as jsonnet code (--tla-code). */
  topLevelCode?: Record<string, string>;
  /** The npm script named in the YAML header as the way to re-render; default `dashboards`. */
  script?: string;
}

export async function renderJsonnet(target: RenderTarget): Promise<string> {
  const args: string[] = [];
  for (const [name, code] of Object.entries(target.topLevelCode ?? {})) args.push('--tla-code', `${name}=${code}`);
  args.push(target.source);
  const { stdout } = await run('jsonnet', args, { maxBuffer: 64 * 1024 * 1024 });
  const value: unknown = JSON.parse(stdout);
  // jsonnet's own JSON layout is three-space indented; two spaces match the rest of the repo.
  if (target.format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  const header = `# Rendered from ${relative(dirname(target.output), target.source)} by \`npm run ${target.script ?? 'dashboards'}\`: edit the source, not this file.\n`;
  if (target.format === 'yaml') return header + stringify(value, { lineWidth: 0 });
  if (!Array.isArray(value)) throw new Error(`${target.source}: a yaml-stream source must render an array`);
  // As YAML 1.1, which kubectl's parser speaks: a plain `off` or `yes` there is a boolean, so such
  // strings must be quoted (YAML 1.2, the library's default, leaves them plain).
  return header + value.map((document) => `---\n${stringify(document, { lineWidth: 0, version: '1.1' })}`).join('');
}

/** Writes each target; returns the paths written, relative to `root`. */
async function writeRendered(targets: RenderTarget[], root: string): Promise<string[]> {
  const written: string[] = [];
  for (const target of targets) {
    const text = await renderJsonnet(target);
    await mkdir(dirname(target.output), { recursive: true });
    await writeFile(target.output, text);
    written.push(relative(root, target.output));
  }
  return written;
}

/** The targets whose committed output differs from a fresh render (missing counts as stale). */
export async function staleTargets(targets: RenderTarget[], root: string): Promise<string[]> {
  const stale: string[] = [];
  for (const target of targets) {
    const committed = await readFile(target.output, 'utf8').catch(() => undefined);
    if (committed !== (await renderJsonnet(target))) stale.push(relative(root, target.output));
  }
  return stale;
}

/** A render script's command line: writes every target, or with `--check` exits 1 naming the stale ones. */
export async function runRenderCommand(targets: RenderTarget[], root: string, script: string): Promise<void> {
  if (!process.argv.includes('--check')) {
    for (const path of await writeRendered(targets, root)) console.log(`rendered ${path}`);
    return;
  }
  const stale = await staleTargets(targets, root);
  if (stale.length === 0) return;
  console.error(`stale, run \`npm run ${script}\`: ${stale.join(', ')}`);
  process.exit(1);
}
