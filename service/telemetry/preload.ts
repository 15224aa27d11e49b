/**
 * Preloaded with `node --import`, before the app: registers the ESM loader hook first (without
 * it, auto-instrumentation of ES modules silently does nothing), then starts the SDK.
 */
import { register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
await import('./otel-sdk.ts');
