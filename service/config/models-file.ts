/**
 * MODELS_FILE: the providers and models Levee routes over, as YAML. Read at boot; every problem is
 * listed at once: YAML syntax, the shape (models-file-schema.ts), references between entries
 * (deployments to providers, fallbacks to models) and API keys. Keys are read here but never
 * appear in a message; names of variables and files do.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { LlmPolicyConfig } from './llm.ts';
import { defaultMessage, describeIssue, modelsFileSchema } from './models-file-schema.ts';
import type { ApiKeySource, ModelRouteConfig, ModelsConfig, ProviderConfig } from './models.ts';
import { Secret } from './secret.ts';
import type { QuotaConfig } from './shared-state.ts';

/** Thrown with every problem at once; its message is safe to print (it never holds a key). */
export class ModelsFileError extends Error {
  readonly problems: string[];
  /** `subject`: what has the problems, e.g. `MODELS_FILE /etc/levee/models.yaml`. */
  constructor(subject: string, problems: string[]) {
    super(`${subject} has ${problems.length} problem(s):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ModelsFileError';
    this.problems = problems;
  }
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);
const quoted = (name: unknown) => JSON.stringify(name);
const field = (item: unknown, key: string): unknown => (typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Re-reads a provider's api_key_file (key rotation on SIGHUP). The contents are trimmed, since
 * secret files usually end with a newline; a second line would end up inside a header, so it is refused.
 */
export async function readApiKeyFile(path: string): Promise<Secret> {
  const subject = `api_key_file ${path}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelsFileError(subject, [`cannot read ${path} (${errorCode(error)})`]);
  }
  const key = text.trim();
  if (key === '') throw new ModelsFileError(subject, [`${path} is empty`]);
  if (/[\r\n]/.test(key)) throw new ModelsFileError(subject, [`${path} must hold the key alone, on one line`]);
  return new Secret(key);
}

/**
 * Reads, parses and validates MODELS_FILE; every problem at once. `env` is the environment Levee
 * started with (for api_key_env); `base` holds the LLM_* policies and quota a provider's own override.
 * A relative api_key_file is relative to the models file, as it would be read by a person.
 */
export async function loadModelsFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  base: { policies: LlmPolicyConfig; quota: QuotaConfig },
): Promise<ModelsConfig> {
  const subject = `MODELS_FILE ${path}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelsFileError(subject, [`cannot read the file (${errorCode(error)})`]);
  }
  const raw = parseYaml(text, subject);

  const schemas = modelsFileSchema(base);
  const parsed = schemas.document.safeParse(raw, { error: defaultMessage });
  const problems = parsed.success ? [] : parsed.error.issues.flatMap(describeIssue);
  // With problems elsewhere in the file, the entries that are valid on their own are still checked.
  const valid = <T>(result: { success: true; data: T } | { success: false }) => (result.success ? result.data : undefined);
  const models = parsed.success ? parsed.data.models : list(field(raw, 'models')).map((item) => valid(schemas.model.safeParse(item)));
  const rawProviders = list(field(raw, 'providers'));
  problems.push(...referenceProblems(rawProviders, list(field(raw, 'models')), models));

  // Keys are looked up for every entry that names one, whatever else is wrong with it.
  const directory = dirname(resolve(path));
  const keys = await Promise.all(
    rawProviders.map((item, index) => apiKeyOf(field(item, 'api_key_env'), field(item, 'api_key_file'), `providers[${index}]`, env, directory)),
  );
  for (const key of keys) if ('problem' in key) problems.push(key.problem);

  if (!parsed.success || problems.length > 0) throw new ModelsFileError(subject, problems);
  return {
    source: 'file',
    providers: parsed.data.providers.map((provider, index): ProviderConfig => {
      const key = keys[index];
      const { apiKey, apiKeySource } = key && !('problem' in key) ? key : NO_KEY;
      return { id: provider.id, baseUrl: provider.baseUrl, apiKey, apiKeySource, headers: provider.headers, policies: provider.policies, quota: provider.quota };
    }),
    models: parsed.data.models,
    // Only the environment set-up serves unlisted models; with a file, an unlisted model is a 404.
    catchAllProvider: undefined,
    routing: parsed.data.routing,
  };
}

/** The document as plain data, or a ModelsFileError naming each syntax error by line. */
function parseYaml(text: string, subject: string): Record<string, unknown> {
  const document = parseDocument(text, { prettyErrors: true });
  // The first line of a pretty error is "<what> at line L, column C:"; the rest quotes the file.
  if (document.errors.length > 0) throw new ModelsFileError(subject, document.errors.map((error) => (error.message.split('\n')[0] ?? error.code).replace(/:$/, '')));
  let raw: unknown;
  try {
    // toJS caps alias expansion, so a "billion laughs" file fails here instead of exhausting memory.
    raw = document.toJS();
  } catch (error) {
    throw new ModelsFileError(subject, [error instanceof Error ? error.message : String(error)]);
  }
  if (raw === null || raw === undefined) throw new ModelsFileError(subject, ['the file is empty; it must be a mapping with providers and models']);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ModelsFileError(subject, ['the top level must be a mapping with providers and models']);
  return raw as Record<string, unknown>;
}

function duplicateProblems(names: unknown[], what: string, at: (index: number) => string): string[] {
  const first = new Map<unknown, number>();
  const problems: string[] = [];
  names.forEach((name, index) => {
    const seen = first.get(name);
    if (typeof name !== 'string') return;
    if (seen === undefined) first.set(name, index);
    else problems.push(`${at(index)}: duplicate ${what} ${quoted(name)} (also ${at(seen)})`);
  });
  return problems;
}

/**
 * References between entries. Names come from every entry, valid or not, so a typo in one model's
 * weight does not also make every fallback to it "unknown"; the rest is checked on valid models.
 */
function referenceProblems(rawProviders: unknown[], rawModels: unknown[], models: (ModelRouteConfig | undefined)[]): string[] {
  const providerIds = rawProviders.map((provider) => field(provider, 'id'));
  const modelNames = rawModels.map((model) => field(model, 'name'));
  const problems = [
    ...duplicateProblems(providerIds, 'provider id', (index) => `providers[${index}].id`),
    ...duplicateProblems(modelNames, 'model name', (index) => `models[${index}].name`),
  ];
  const knownProviders = new Set(providerIds);
  const knownModels = new Set(modelNames);
  const kinds = new Map(models.flatMap((model) => (model ? [[model.name, model.kind] as const] : [])));

  models.forEach((model, index) => {
    if (!model) return;
    const at = `models[${index}]`;
    const deployments = new Map<string, number>();
    model.deployments.forEach((deployment, position) => {
      if (!knownProviders.has(deployment.provider)) problems.push(`${at}.deployments[${position}].provider: unknown provider ${quoted(deployment.provider)}`);
      const key = JSON.stringify([deployment.provider, deployment.model]);
      const seen = deployments.get(key);
      if (seen === undefined) deployments.set(key, position);
      else problems.push(`${at}.deployments[${position}]: duplicate deployment ${quoted(`${deployment.provider}/${deployment.model}`)} (also deployments[${seen}])`);
    });
    if (model.kind === 'embeddings' && model.fallbacks.length > 0) {
      problems.push(`${at}.fallbacks: an embeddings model cannot have fallbacks (another model's vectors live in another space)`);
      return;
    }
    model.fallbacks.forEach((fallback, position) => {
      const where = `${at}.fallbacks[${position}]`;
      if (fallback === model.name) problems.push(`${where}: ${quoted(fallback)} is the model itself`);
      else if (!knownModels.has(fallback)) problems.push(`${where}: unknown model ${quoted(fallback)}`);
      else if (kinds.get(fallback) === 'embeddings') problems.push(`${where}: ${quoted(fallback)} is an embeddings model; a chat model falls back to chat models only`);
      else if (model.fallbacks.indexOf(fallback) < position) problems.push(`${where}: ${quoted(fallback)} is listed twice`);
    });
  });
  return [...problems, ...cycleProblems(models)];
}

/** Fallback cycles (a -> b -> a) among valid chat models: routing would bounce a failing request round them. */
function cycleProblems(models: (ModelRouteConfig | undefined)[]): string[] {
  const firstIndex = new Map<string, number>();
  const edges = new Map<string, string[]>();
  models.forEach((model, index) => {
    if (!model || model.kind !== 'chat' || edges.has(model.name)) return;
    firstIndex.set(model.name, index);
    // Self-references are reported on their own.
    edges.set(model.name, model.fallbacks.filter((fallback) => fallback !== model.name));
  });
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const problems: string[] = [];
  const visit = (name: string) => {
    state.set(name, 'visiting');
    path.push(name);
    for (const next of edges.get(name) ?? []) {
      if (!edges.has(next)) continue;
      const seen = state.get(next);
      if (seen === undefined) visit(next);
      else if (seen === 'visiting') {
        const cycle = [...path.slice(path.indexOf(next)), next];
        problems.push(`models[${firstIndex.get(next)}].fallbacks: fallback cycle: ${cycle.join(' -> ')}`);
      }
    }
    path.pop();
    state.set(name, 'done');
  };
  for (const name of edges.keys()) if (!state.has(name)) visit(name);
  return problems;
}

type ResolvedKey = { apiKey: Secret | undefined; apiKeySource: ApiKeySource | undefined } | { problem: string };
const NO_KEY = { apiKey: undefined, apiKeySource: undefined };

/** Reads the key an entry names; a name the schema refuses (not a string, or both given) is left to its problem. */
async function apiKeyOf(
  variable: unknown,
  keyFile: unknown,
  at: string,
  env: Readonly<Record<string, string | undefined>>,
  directory: string,
): Promise<ResolvedKey> {
  if (typeof variable === 'string' && keyFile === undefined) {
    const value = env[variable];
    if (value === undefined || value.trim() === '') return { problem: `${at}.api_key_env: ${variable} is unset or empty` };
    return { apiKey: new Secret(value), apiKeySource: { env: variable } };
  }
  if (typeof keyFile === 'string' && keyFile !== '' && variable === undefined) {
    // Stored resolved, so a reload reads the same file whatever the working directory.
    const file = resolve(directory, keyFile);
    try {
      return { apiKey: await readApiKeyFile(file), apiKeySource: { file } };
    } catch (error) {
      if (!(error instanceof ModelsFileError)) throw error;
      return { problem: `${at}.api_key_file: ${error.problems.join('; ')}` };
    }
  }
  return NO_KEY;
}
