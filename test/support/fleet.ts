/**
 * Several Levee replicas sharing one Redis and one simulator, as in production behind a load
 * balancer: the shape of every shared-state test. The test owns the Redis (to kill and restart
 * it) and the simulator (to inject faults and count what reached it).
 */
import { startSimulator, type SimulatorHandle } from '../../simulator/server.ts';
import { FAST_POLICIES, LEVEE_ENTRY } from './levee-with-simulator.ts';
import { spawnLevee, type LeveeProcess } from './levee-process.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';

export interface Fleet {
  redis: RedisServer;
  simulator: SimulatorHandle;
  replicas: LeveeProcess[];
  /** Environment every replica was started with (to start one again alike). */
  env: Record<string, string>;
  /** Starts one more replica (or restarts one) with the fleet's environment. */
  spawnReplica(extraEnv?: Record<string, string>): Promise<LeveeProcess>;
  stop(): Promise<void>;
}

export async function startFleet(options: { replicas?: number; env?: Record<string, string> } = {}): Promise<Fleet> {
  const redis = await startRedisServer();
  const simulator = await startSimulator({ seed: 11 });
  const env = { LLM_BASE_URL: simulator.url, REDIS_URL: redis.url, ...FAST_POLICIES, ...options.env };
  const spawned: LeveeProcess[] = [];
  const spawnReplica = async (extraEnv: Record<string, string> = {}) => {
    const replica = await spawnLevee({ command: { file: process.execPath, args: LEVEE_ENTRY }, env: { ...env, ...extraEnv } });
    spawned.push(replica);
    return replica;
  };
  try {
    const replicas = await Promise.all(Array.from({ length: options.replicas ?? 2 }, () => spawnReplica()));
    return {
      redis,
      simulator,
      replicas,
      env,
      spawnReplica,
      async stop() {
        await Promise.all(spawned.map((replica) => replica.stop()));
        await simulator.close();
        await redis.stop();
      },
    };
  } catch (error) {
    await Promise.all(spawned.map((replica) => replica.stop()));
    await simulator.close();
    await redis.stop();
    throw error;
  }
}
