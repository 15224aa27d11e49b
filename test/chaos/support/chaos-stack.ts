/**
 * The chaos environment: two Levee replicas ('a' and 'b', real processes on fixed loopback ports)
 * behind HAProxy, sharing one redis-server, one Postgres (the `npm run db` server) and one
 * simulator that this test process owns, reached through a recording tap. Every scenario starts
 * one, injects its fault, and stops it in `after`.
 *
 * By default the replicas have one provider, `default`, from LLM_BASE_URL. With `providers`, each
 * provider id gets a simulator and a tap of its own, and every replica a MODELS_FILE routing over
 * them (its own prefix on each tap, so every attempt is attributed to a replica and a provider).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../../simulator/server.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from '../../support/levee-with-simulator.ts';
import { spawnLevee, type LeveeProcess } from '../../support/levee-process.ts';
import { waitFor } from '../../support/wait-for.ts';
import { freePort, startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import { startStandalonePostgres } from '../../support/standalone-postgres.ts';
import { startHaproxy, type Haproxy } from './haproxy.ts';
import { startUpstreamTap, type UpstreamTap } from './upstream-tap.ts';

export const INSTANCES = ['a', 'b'] as const;
export type InstanceName = (typeof INSTANCES)[number];

export const ADMIN_TOKEN = FAST_POLICIES.ADMIN_TOKEN!;

/**
 * What every chaos replica runs with, on top of FAST_POLICIES (retry backoff 20 → 100 ms, attempt
 * timeout floor 100 ms, default 5 s): no chat cache (every request is an upstream call), one
 * Postgres connection per replica (they take turns on the `npm run db` server), no drain delay unless a scenario sets
 * one. Scenarios add their own half-open period and thresholds.
 */
export const CHAOS_BASE_ENV: Record<string, string> = {
  ...FAST_POLICIES,
  CACHE_CHAT_TTL_MS: '0',
  POSTGRES_POOL_MAX: '1',
  SHUTDOWN_DRAIN_DELAY_MS: '0',
  SHUTDOWN_GRACE_MS: '15000',
  LOG_LEVEL: 'info',
};

export interface Instance {
  name: InstanceName;
  port: number;
  url: string;
  process: LeveeProcess;
}

/** One simulated provider and the tap in front of it. */
export interface ChaosProvider {
  id: string;
  simulator: SimulatorHandle;
  tap: UpstreamTap;
}

export interface ChaosStackOptions {
  env?: Record<string, string>;
  /**
   * Several providers instead of the one `default` from LLM_BASE_URL: `ids` each get a simulator
   * and a tap, and every replica a MODELS_FILE written by `models` from that replica's base URL
   * per provider id.
   */
  providers?: { ids: readonly string[]; models: (urls: Record<string, string>) => string };
  /** The simulators' vector size for embedding models they do not know (default 1536). */
  embeddingDimension?: number;
  /**
   * Connections the shared Postgres (`npm run db`) serves at once. Default: two per replica, one for
   * its pool of one (CHAOS_BASE_ENV) and one of slack for a reconnect racing the old connection's close.
   */
  postgresConnections?: number;
}

export interface ChaosStack {
  /** HAProxy's frontend: where client load goes. */
  url: string;
  instances: Record<InstanceName, Instance>;
  /** The first provider's simulator and tap (the only ones without `providers`). */
  simulator: SimulatorHandle;
  tap: UpstreamTap;
  /** Every provider by id: `default` alone, or the ids given in `providers`. */
  providers: Record<string, ChaosProvider>;
  redis: RedisServer;
  haproxy: Haproxy;
  /** The environment every replica was started with. */
  env: Record<string, string>;
  /** SIGTERM one replica and wait for it to exit (its exit code is returned). */
  stopInstance(name: InstanceName): Promise<number | null>;
  /** Starts a stopped replica again on its port and waits until it answers ready. */
  startInstance(name: InstanceName): Promise<Instance>;
  stop(): Promise<void>;
}

export async function startChaosStack(options: ChaosStackOptions = {}): Promise<ChaosStack> {
  const scratch = mkdtempSync(join(tmpdir(), 'levee-chaos-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    // Reverse order: the load balancer first, the replicas, then what they depend on.
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const ids = options.providers?.ids ?? [DEFAULT_PROVIDER];
    if (ids.length === 0) throw new Error('chaos stack: providers.ids is empty');
    const [redis, postgres, ...simulators] = await Promise.all([
      startRedisServer(),
      startStandalonePostgres(join(scratch, 'postgres'), { maxConnections: options.postgresConnections ?? 2 * INSTANCES.length }),
      ...ids.map((_, index) => startSimulator({ seed: 17 + index, ...(options.embeddingDimension ? { embeddingDimension: options.embeddingDimension } : {}) })),
    ]);
    cleanups.push(() => redis.stop(), () => postgres.stop(), ...simulators.map((simulator) => () => simulator.close()));
    const providers: Record<string, ChaosProvider> = {};
    for (const [index, id] of ids.entries()) {
      const simulator = simulators[index]!;
      const tap = await startUpstreamTap(simulator.origin);
      cleanups.push(() => tap.close());
      providers[id] = { id, simulator, tap };
    }
    const first = providers[ids[0]!]!;

    const env: Record<string, string> = {
      ...CHAOS_BASE_ENV,
      ...(options.providers ? {} : { LLM_BASE_URL: first.tap.url }),
      REDIS_URL: redis.url,
      DATABASE_URL: postgres.url,
      ...options.env,
    };
    /** What routes a replica's calls through its own prefix on the taps. */
    const upstreamEnv = (name: InstanceName): Record<string, string> => {
      if (!options.providers) return { LLM_BASE_URL: first.tap.urlFor(name) };
      const modelsFile = join(scratch, `models-${name}.yaml`);
      writeFileSync(modelsFile, options.providers.models(Object.fromEntries(ids.map((id) => [id, providers[id]!.tap.urlFor(name)]))));
      return { MODELS_FILE: modelsFile };
    };
    const instances = {} as Record<InstanceName, Instance>;
    const spawnOn = async (name: InstanceName, port: number | undefined): Promise<Instance> => {
      // A port picked by freePort may be taken before Levee binds it: try another (first start only).
      for (let attempt = 1; ; attempt++) {
        const chosen = port ?? (await freePort());
        try {
          const levee = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...env, ...upstreamEnv(name), PORT: String(chosen) }, startTimeoutMs: 30_000 });
          const instance = { name, port: chosen, url: levee.url, process: levee };
          instances[name] = instance;
          return instance;
        } catch (error) {
          if (attempt >= 3) throw error;
          // A first start tries another free port at once. A restart keeps its port (HAProxy has
          // it): wait until nothing holds it; if something still does, the next attempt says so.
          if (port !== undefined) await waitFor(() => portIsFree(port), { timeoutMs: 5_000, what: `port ${port} to be free` }).catch(() => undefined);
        }
      }
    };
    cleanups.push(() => Promise.all(INSTANCES.map((name) => (instances[name] ? stopLevee(instances[name].process) : undefined))));
    await Promise.all(INSTANCES.map((name) => spawnOn(name, undefined)));

    const haproxy = await startHaproxy(INSTANCES.map((name) => ({ name, port: instances[name].port })));
    cleanups.push(() => haproxy.stop());
    await haproxy.waitUp(INSTANCES);

    return {
      url: haproxy.url,
      instances,
      simulator: first.simulator,
      tap: first.tap,
      providers,
      redis,
      haproxy,
      env,
      async stopInstance(name) {
        const { code } = await instances[name].process.stop();
        return code;
      },
      async startInstance(name) {
        const instance = await spawnOn(name, instances[name].port);
        await waitFor(async () => ((await fetch(`${instance.url}/health/ready`).catch(() => undefined))?.status === 200 ? true : undefined), {
          timeoutMs: 15_000,
          intervalMs: 50,
          what: () => `replica ${name} ready`,
        });
        return instance;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** True when a listener can bind `port` on loopback now. */
async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  try {
    probe.listen(port, '127.0.0.1');
    await once(probe, 'listening');
  } catch {
    return false;
  }
  probe.close();
  await once(probe, 'close');
  return true;
}

/** SIGTERM; a second SIGTERM (exit at once) after 5 s; SIGKILL after 10 s. */
async function stopLevee(levee: LeveeProcess): Promise<void> {
  const { child } = levee;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const second = setTimeout(() => child.kill('SIGTERM'), 5_000);
  const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await levee.exited;
  clearTimeout(second);
  clearTimeout(kill);
}

/** The provider of a stack without `providers` (LLM_BASE_URL), as Levee names it. */
export const DEFAULT_PROVIDER = 'default';

interface BreakerSnapshot {
  state: string;
  half_open_in_ms: number;
}

/** Every breaker of one replica by name (`llm/<provider>`, …), or undefined when it does not answer. */
async function breakers(url: string): Promise<Record<string, BreakerSnapshot> | undefined> {
  try {
    const response = await fetch(`${url}/health/circuit-breakers`, { signal: AbortSignal.timeout(1_000) });
    return ((await response.json()) as { circuit_breakers: Record<string, BreakerSnapshot> }).circuit_breakers;
  } catch {
    return undefined;
  }
}

/** A provider's LLM breaker state on one replica, or 'down' when it does not answer. */
export async function breakerState(url: string, provider = DEFAULT_PROVIDER): Promise<string> {
  return (await breakers(url))?.[`llm/${provider}`]?.state ?? 'down';
}

/** Several providers' LLM breaker states on one replica, from one request ('down' when it does not answer). */
export async function breakerStates(url: string, providers: readonly string[]): Promise<Record<string, string>> {
  const all = await breakers(url);
  return Object.fromEntries(providers.map((provider) => [provider, all?.[`llm/${provider}`]?.state ?? 'down']));
}

/** A provider's LLM breaker full snapshot on one replica (state, half_open_in_ms, …). */
export async function breakerSnapshot(url: string, provider = DEFAULT_PROVIDER): Promise<BreakerSnapshot | undefined> {
  return (await breakers(url))?.[`llm/${provider}`];
}
