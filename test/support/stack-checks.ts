/**
 * Checks of the demo stack's files (docker-compose.yml, Dockerfile, stack/haproxy.cfg,
 * otel-collector.yaml, the Grafana provisioning), read rather than run: each returns its problems.
 * Used by test/compose-stack.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');

export type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mapping(value: unknown): Mapping {
  return isMapping(value) ? value : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function readText(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** Compose shares the replicas' settings through YAML anchors and merge keys (`<<`). */
export function readYaml(path: string): Mapping {
  return mapping(parse(readText(path), { merge: true }));
}

export function services(compose: Mapping): [string, Mapping][] {
  return Object.entries(mapping(compose.services)).map(([name, service]) => [name, mapping(service)]);
}

// (a) Host files -----------------------------------------------------------------------------

/** Host paths a service reads: bind mounts (short and long syntax), env files, the build. */
export function hostPaths(compose: Mapping): string[] {
  const paths: string[] = [];
  for (const [, service] of services(compose)) {
    for (const volume of list(service.volumes)) {
      if (typeof volume === 'string') {
        const [source, target] = volume.split(':');
        // One part is an anonymous volume; a source not starting like a path is a named volume.
        if (source !== undefined && target !== undefined && /^[./~]/.test(source)) paths.push(source);
      } else if (isMapping(volume) && volume.type === 'bind' && typeof volume.source === 'string') {
        paths.push(volume.source);
      }
    }
    for (const file of [service.env_file].flat()) if (typeof file === 'string') paths.push(file);
    const build = typeof service.build === 'string' ? { context: service.build } : mapping(service.build);
    if (service.build !== undefined) {
      const context = typeof build.context === 'string' ? build.context : '.';
      paths.push(context, join(context, typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile'));
    }
  }
  for (const kind of ['secrets', 'configs']) {
    for (const entry of Object.values(mapping(compose[kind]))) {
      const file = mapping(entry).file;
      if (typeof file === 'string') paths.push(file);
    }
  }
  return paths;
}

export function missingHostPaths(compose: Mapping, root: string): string[] {
  return hostPaths(compose).filter((path) => !existsSync(resolve(root, path)));
}

// (b) Host ports ------------------------------------------------------------------------------

/** Published host ports as `port/protocol`; a container-only entry ("8080") publishes none. */
export function publishedPorts(service: Mapping): string[] {
  const published: string[] = [];
  for (const entry of list(service.ports)) {
    if (isMapping(entry)) {
      if (entry.published !== undefined) published.push(`${String(entry.published)}/${String(entry.protocol ?? 'tcp')}`);
      continue;
    }
    const [spec = '', protocol = 'tcp'] = String(entry).split('/');
    const parts = spec.split(':');
    if (parts.length < 2) continue;
    const host = parts.at(-2) ?? '';
    const [first = '', last = first] = host.split('-');
    for (let port = Number(first); port <= Number(last); port++) published.push(`${port}/${protocol}`);
  }
  return published;
}

export function duplicateHostPorts(compose: Mapping): string[] {
  const owners = new Map<string, string[]>();
  for (const [name, service] of services(compose)) {
    for (const port of publishedPorts(service)) owners.set(port, [...(owners.get(port) ?? []), name]);
  }
  return [...owners].filter(([, names]) => names.length > 1).map(([port, names]) => `${port}: ${names.join(', ')}`);
}

// (c) Hostnames -------------------------------------------------------------------------------

/** Hosts of the URLs in a text: `scheme://[user[:password]@]host[:port]`. */
export function urlHosts(text: string): string[] {
  return [...text.matchAll(/[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s]*@)?([^:/?#\s]+)/gi)].map((match) => match[1] ?? '');
}

export function environmentValues(service: Mapping): string[] {
  const environment = service.environment;
  if (Array.isArray(environment)) return environment.map((entry) => String(entry).split('=').slice(1).join('='));
  return Object.values(mapping(environment)).map(String);
}

export function haproxyServerHosts(config: string): string[] {
  return [...config.matchAll(/^\s*server\s+\S+\s+([^:\s]+):\d+/gm)].map((match) => match[1] ?? '');
}

export function datasourceHosts(datasources: Mapping): string[] {
  return list(datasources.datasources).flatMap((source) => urlHosts(String(mapping(source).url ?? '')));
}

/** Where the collector's exporters send (a bare `host:port` or a URL); 0.0.0.0 is a listen address. */
export function collectorExporterHosts(collector: Mapping): string[] {
  return Object.values(mapping(collector.exporters))
    .map((exporter) => mapping(exporter).endpoint)
    .filter((endpoint): endpoint is string => typeof endpoint === 'string')
    .map((endpoint) => urlHosts(endpoint)[0] ?? endpoint.split(':')[0] ?? '')
    .filter((host) => host !== '0.0.0.0');
}

export interface StackFiles {
  compose: Mapping;
  haproxy: string;
  datasources: Mapping;
  collector: Mapping;
}

export function unknownHosts(files: StackFiles): string[] {
  const known = new Set(services(files.compose).map(([name]) => name));
  const problems: string[] = [];
  for (const [name, service] of services(files.compose)) {
    const dependsOn = Array.isArray(service.depends_on) ? service.depends_on.map(String) : Object.keys(mapping(service.depends_on));
    for (const dependency of dependsOn) if (!known.has(dependency)) problems.push(`${name} depends_on ${dependency}`);
    for (const host of environmentValues(service).flatMap(urlHosts)) if (!known.has(host)) problems.push(`${name} environment: ${host}`);
  }
  for (const host of haproxyServerHosts(files.haproxy)) if (!known.has(host)) problems.push(`haproxy server: ${host}`);
  for (const host of datasourceHosts(files.datasources)) if (!known.has(host)) problems.push(`grafana datasource: ${host}`);
  for (const host of collectorExporterHosts(files.collector)) if (!known.has(host)) problems.push(`collector exporter: ${host}`);
  return problems;
}

// (d) Collector pipelines ---------------------------------------------------------------------

const componentType = (name: string): string => name.split('/')[0] ?? name;

export function collectorProblems(collector: Mapping): string[] {
  const defined = {
    receivers: new Set(Object.keys(mapping(collector.receivers))),
    processors: new Set(Object.keys(mapping(collector.processors))),
    exporters: new Set(Object.keys(mapping(collector.exporters))),
    connectors: new Set(Object.keys(mapping(collector.connectors))),
    extensions: new Set(Object.keys(mapping(collector.extensions))),
  };
  const service = mapping(collector.service);
  const pipelines = Object.entries(mapping(service.pipelines)).map(([name, pipeline]) => {
    const names = (key: string) => list(mapping(pipeline)[key]).map(String);
    return { name, receivers: names('receivers'), processors: names('processors'), exporters: names('exporters') };
  });
  const problems: string[] = [];
  if (pipelines.length === 0) problems.push('no pipelines');
  const used = new Set<string>();
  for (const pipeline of pipelines) {
    for (const receiver of pipeline.receivers) {
      used.add(receiver);
      if (!defined.receivers.has(receiver) && !defined.connectors.has(receiver)) problems.push(`${pipeline.name}: receiver ${receiver} undefined`);
    }
    for (const processor of pipeline.processors) {
      used.add(processor);
      if (!defined.processors.has(processor)) problems.push(`${pipeline.name}: processor ${processor} undefined`);
    }
    for (const exporter of pipeline.exporters) {
      used.add(exporter);
      if (!defined.exporters.has(exporter) && !defined.connectors.has(exporter)) problems.push(`${pipeline.name}: exporter ${exporter} undefined`);
    }
    if (componentType(pipeline.processors[0] ?? '') !== 'memory_limiter') problems.push(`${pipeline.name}: processors must start with memory_limiter`);
  }
  for (const kind of ['receivers', 'processors', 'exporters', 'connectors'] as const) {
    for (const name of defined[kind]) if (!used.has(name)) problems.push(`${kind}: ${name} defined but unused`);
  }
  for (const connector of defined.connectors) {
    const asExporter = pipelines.some((pipeline) => pipeline.exporters.includes(connector));
    const asReceiver = pipelines.some((pipeline) => pipeline.receivers.includes(connector));
    if (asExporter !== asReceiver) problems.push(`connector ${connector} must be an exporter in one pipeline and a receiver in another`);
  }
  // Removed from the collector in v0.85: Jaeger takes OTLP (otlp/jaeger).
  for (const exporter of defined.exporters) if (componentType(exporter) === 'jaeger') problems.push(`exporter ${exporter} no longer exists`);
  for (const extension of list(service.extensions).map(String)) {
    if (!defined.extensions.has(extension)) problems.push(`extension ${extension} undefined`);
  }
  return problems;
}

// (e) Dockerfile ------------------------------------------------------------------------------

/** The final stage's instructions as [KEYWORD, arguments], continuation lines joined. */
export function finalStage(dockerfile: string): [string, string][] {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line): [string, string] => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return [keyword.toUpperCase(), rest.join(' ')];
    });
  const lastFrom = instructions.findLastIndex(([keyword]) => keyword === 'FROM');
  return lastFrom === -1 ? [] : instructions.slice(lastFrom);
}

export function dockerfileProblems(dockerfile: string): string[] {
  const stage = finalStage(dockerfile);
  const problems: string[] = [];
  const from = stage[0]?.[1].replace(/^--platform=\S+\s+/, '') ?? '';
  if (!/^node:24[.-]/.test(from)) problems.push(`final stage is FROM ${from || 'nothing'}, not node:24`);
  const user = stage.findLast(([keyword]) => keyword === 'USER')?.[1].split(':')[0];
  if (user === undefined || user === 'root' || user === '0') problems.push(`final stage runs as ${user ?? 'root (no USER)'}`);
  const healthcheck = stage.findLast(([keyword]) => keyword === 'HEALTHCHECK')?.[1] ?? '';
  if (!healthcheck.includes('/health/live') || /^NONE\b/i.test(healthcheck)) problems.push('final stage has no HEALTHCHECK on /health/live');
  return problems;
}

// (f) Pinned images ---------------------------------------------------------------------------

/** A digest, or a tag other than latest with a version number in it. */
export function isPinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = image.slice(image.lastIndexOf('/') + 1).split(':')[1];
  return tag !== undefined && tag !== 'latest' && /\d/.test(tag);
}

export function unpinnedImages(compose: Mapping, dockerfile: string): string[] {
  const problems: string[] = [];
  for (const [name, service] of services(compose)) {
    // A service that builds names its own local image; what it pulls is the Dockerfile's FROM.
    if (service.build !== undefined) continue;
    if (typeof service.image !== 'string') problems.push(`${name}: no image and no build`);
    else if (!isPinned(service.image)) problems.push(`${name}: ${service.image}`);
  }
  for (const [, image] of dockerfile.matchAll(/^FROM\s+(?:--platform=\S+\s+)?(\S+)/gim)) {
    if (image !== undefined && !isPinned(image)) problems.push(`Dockerfile: FROM ${image}`);
  }
  return problems;
}

// The tests -----------------------------------------------------------------------------------

export function loadStack(): StackFiles & { dockerfile: string } {
  return {
    compose: readYaml('docker-compose.yml'),
    haproxy: readText('stack/haproxy.cfg'),
    datasources: readYaml('dashboards/grafana/provisioning/datasources/datasources.yaml'),
    collector: readYaml('otel-collector.yaml'),
    dockerfile: readText('Dockerfile'),
  };
}

