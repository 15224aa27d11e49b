/**
 * A real Levee process (telemetry preloaded, as `npm start` runs it) in front of a simulator this
 * test process owns, so a test can inject faults and count exactly what reached the upstream.
 */
import { startSimulator, type SimulatorHandle } from '../../simulator/server.ts';
import { spawnLevee, type LeveeProcess } from './levee-process.ts';

export const LEVEE_ENTRY = ['--import', './service/telemetry/preload.ts', 'service/main.ts'];

/** Fast policies for tests: short backoff, short half-open, known timeouts. */
export const FAST_POLICIES: Record<string, string> = {
  LLM_RETRY_BASE_DELAY_MS: '20',
  LLM_RETRY_MAX_DELAY_MS: '100',
  LLM_BREAKER_HALF_OPEN_AFTER_MS: '1000',
  LLM_TIMEOUT_FLOOR_MS: '100',
  LLM_TIMEOUT_DEFAULT_MS: '5000',
  ADMIN_TOKEN: 'test-admin-token-0123456789',
};

export interface LeveeWithSimulator {
  levee: LeveeProcess;
  simulator: SimulatorHandle;
  stop(): Promise<void>;
}

export async function startLeveeWithSimulator(env: Record<string, string> = {}): Promise<LeveeWithSimulator> {
  const simulator = await startSimulator({ seed: 7 });
  const levee = await spawnLevee({
    command: { file: process.execPath, args: LEVEE_ENTRY },
    env: { LLM_BASE_URL: simulator.url, ...FAST_POLICIES, ...env },
  });
  return {
    levee,
    simulator,
    async stop() {
      await levee.stop();
      await simulator.close();
    },
  };
}
