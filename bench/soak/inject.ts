/**
 * Puts a scheduled fault into the soak's stack and takes it out again. A provider outage is HTTP
 * 500 on every call of one simulator, or that simulator SIGKILLed (nothing listening) and started
 * again on its port; a latency shift is both simulators answering in ~1.5 s; a Redis restart is
 * redis-server SIGKILLed and started again, empty, on its port.
 */
import type { FaultRuleInput } from '../../simulator/fault-rules.ts';
import { PROVIDERS, SHIFTED_LATENCY_MS } from './schedule.ts';
import type { FaultWindow } from './soak-results.ts';
import type { SoakStack } from './stack.ts';

const OUTAGE: FaultRuleInput = { id: 'outage', route: '*', fault: { type: 'error', status: 500 } };
const SLOW: FaultRuleInput = {
  id: 'latency-shift',
  route: '*',
  fault: { type: 'latency', distribution: { kind: 'normal', meanMs: SHIFTED_LATENCY_MS, stdDevMs: SHIFTED_LATENCY_MS / 10 } },
};

function providerOf(stack: SoakStack, fault: FaultWindow) {
  const provider = PROVIDERS.find((id) => id === fault.provider);
  if (!provider) throw new Error(`soak: a provider outage without a known provider (${fault.provider})`);
  return stack.providers[provider];
}

export async function injectFault(stack: SoakStack, fault: FaultWindow): Promise<void> {
  switch (fault.kind) {
    case 'provider-outage':
      return fault.mode === 'killed' ? providerOf(stack, fault).kill() : providerOf(stack, fault).setFaultRules([OUTAGE]);
    case 'latency-shift':
      await Promise.all(PROVIDERS.map((id) => stack.providers[id].setFaultRules([SLOW])));
      return;
    case 'redis-restart':
      return stack.redis.kill();
  }
}

export async function removeFault(stack: SoakStack, fault: FaultWindow): Promise<void> {
  switch (fault.kind) {
    case 'provider-outage':
      return fault.mode === 'killed' ? providerOf(stack, fault).restart() : providerOf(stack, fault).setFaultRules([]);
    case 'latency-shift':
      await Promise.all(PROVIDERS.map((id) => stack.providers[id].setFaultRules([])));
      return;
    case 'redis-restart':
      return stack.redis.restart();
  }
}
