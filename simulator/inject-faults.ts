/**
 * Carries out a fault plan before a request is answered: the latency first (an error after a
 * delay is the common real-world shape), then the outcome fault, if any, instead of the answer.
 * Slow-stream faults are left to the streamer; for anything that is not a stream their
 * time-to-first-token is just more latency.
 */
import type { Exchange } from './exchange.ts';
import type { FaultPlan } from './faults.ts';
import { defaultErrorMessage } from './openai-errors.ts';

/** Carries out `plan`; resolves true when the request should still be answered normally. */
export async function injectFaults(exchange: Exchange, plan: FaultPlan, streaming: boolean): Promise<boolean> {
  // Lets a developer see in any client which rules hit a request.
  exchange.response.setHeader('x-sim-faults', plan.firedIds.join(','));
  let delayMs = plan.latencyMs;
  if (plan.slowStream !== undefined && !streaming) delayMs += plan.slowStream.ttftMs ?? 0;
  if (delayMs > 0 && !(await exchange.sleep(delayMs))) return false;

  const outcome = plan.outcome;
  if (outcome === undefined) return true;
  switch (outcome.type) {
    case 'error': {
      const headers: Record<string, string> = {};
      if (outcome.retryAfterS !== undefined) {
        // OpenAI's SDKs prefer the millisecond header; HTTP allows only whole seconds in Retry-After.
        headers['retry-after'] = String(Math.ceil(outcome.retryAfterS));
        headers['retry-after-ms'] = String(Math.round(outcome.retryAfterS * 1000));
      }
      exchange.sendError(outcome.status, { message: outcome.message ?? defaultErrorMessage(outcome.status) }, headers);
      return false;
    }
    case 'hang':
      exchange.hang();
      return false;
    case 'reset':
      exchange.reset();
      return false;
  }
}
