/**
 * Public model names → their deployments and fallbacks, built from the models configuration over
 * the running providers. Immutable: a reload builds a new table and swaps it in whole, so a
 * request sees one routing from start to end.
 */
import type { HedgeConfig, ModelsConfig, RoutingConfig } from '../../../config/models.ts';
import type { LlmProvider } from '../llm-provider.ts';
import { Deployment } from './deployment.ts';

export interface Route {
  /** The public name (the client's own name for a catch-all route). */
  name: string;
  /** The public model's metric label: its name, or `_other` beyond the catch-all's bounded set. */
  label: string;
  kind: 'chat' | 'embeddings';
  deployments: readonly Deployment[];
  fallbacks: readonly string[];
  hedge: HedgeConfig;
}

/** The label of every model the catch-all provider serves, for the availability gauge. */
const CATCH_ALL_LABEL = '_any';
const NO_HEDGE: HedgeConfig = { enabled: false, floorMs: 0 };

export class RoutingTable {
  readonly routing: RoutingConfig;
  readonly providers: ReadonlyMap<string, LlmProvider>;
  readonly #routes = new Map<string, Route>();
  readonly #catchAll: LlmProvider | undefined;
  /** Catch-all routes by kind and model name; bounded by the provider's catalog (unknown names are never stored). */
  readonly #catchAllRoutes = new Map<string, Route>();

  constructor(config: ModelsConfig, providers: ReadonlyMap<string, LlmProvider>) {
    this.routing = config.routing;
    this.providers = providers;
    for (const model of config.models) {
      const deployments = model.deployments.map((deployment) => {
        const provider = providers.get(deployment.provider)!;
        // Every model the file names is a known label and timeout key of its provider.
        provider.catalog.learn(deployment.model);
        return new Deployment(provider, deployment.model, deployment.weight);
      });
      this.#routes.set(model.name, { name: model.name, label: model.name, kind: model.kind, deployments, fallbacks: model.fallbacks, hedge: model.hedge });
    }
    this.#catchAll = config.catchAllProvider === undefined ? undefined : providers.get(config.catchAllProvider);
  }

  /** The route for a public model, or undefined when nothing serves it. */
  resolve(name: string, kind: Route['kind']): Route | undefined {
    const route = this.#routes.get(name);
    if (route || !this.#catchAll) return route;
    const label = this.#catchAll.catalog.labelFor(name);
    // Known models keep their deployment (and its live health); unknown ones get a fresh one each time, never stored.
    // The client's name says nothing of the model's kind: a chat and an embeddings call for the same name are two routes.
    const key = `${kind}:${name}`;
    const cached = label === name ? this.#catchAllRoutes.get(key) : undefined;
    if (cached) return cached;
    const fresh: Route = { name, label, kind, deployments: [new Deployment(this.#catchAll, name, 1)], fallbacks: [], hedge: NO_HEDGE };
    if (label === name) this.#catchAllRoutes.set(key, fresh);
    return fresh;
  }

  /** The route then its fallbacks in order (chat only; the file's validation rules out cycles). */
  chain(route: Route): Route[] {
    if (route.kind !== 'chat') return [route];
    const chain = [route];
    for (const name of route.fallbacks) {
      const fallback = this.#routes.get(name);
      if (fallback && !chain.includes(fallback)) chain.push(fallback);
    }
    return chain;
  }

  /** The public names /v1/models lists (none with a catch-all provider: its own list is passed through). */
  publicModels(): Array<{ name: string; kind: Route['kind'] }> {
    return [...this.#routes.values()].map(({ name, kind }) => ({ name, kind }));
  }

  get catchAllProvider(): LlmProvider | undefined {
    return this.#catchAll;
  }

  /** For the availability gauge: every route with its chain, the catch-all as `_any`. */
  availability(): Array<{ label: string; deployments: number }> {
    const rows = [...this.#routes.values()].map((route) => ({
      label: route.label,
      deployments: this.chain(route).reduce((sum, link) => sum + link.deployments.filter((deployment) => deployment.provider.policies.breaker.state === 'closed').length, 0),
    }));
    if (this.#catchAll) rows.push({ label: CATCH_ALL_LABEL, deployments: this.#catchAll.policies.breaker.state === 'closed' ? 1 : 0 });
    return rows;
  }
}
