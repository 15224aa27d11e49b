/**
 * Preloaded with `node --import`, before the app: starts the OpenTelemetry SDK, so the tracer
 * provider and propagator are registered before the first request. (No ESM loader hook: Levee
 * uses no auto-instrumentation, see server-span.ts.)
 */
await import('./otel-sdk.ts');
