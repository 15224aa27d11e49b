/**
 * What every /v1 route handler needs besides the request: the simulator's fixed settings and a
 * source of response ids. Kept apart so route modules do not import the server.
 */
import type { SlowStreamFault } from '../fault-rules.ts';

export interface RouteContext {
  /** Seeds the completion text, so another seed gives other (but still stable) answers. */
  readonly seed: number;
  /** Embedding size for models the simulator has no size for. */
  readonly embeddingDimension: number;
  /** A fresh response id such as `chatcmpl-sim-k3x9a1`. */
  nextId(prefix: string): string;
  /** The slow-stream fault that fired for this request, if any. */
  readonly slowStream: SlowStreamFault | undefined;
}
