/**
 * Graceful shutdown on SIGTERM/SIGINT: readiness flips to 503 at once while the listener keeps
 * accepting for the drain delay (so load balancers notice), then the listener stops, in-flight
 * requests get the grace period, dependencies close, and the process exits 0. A second signal
 * exits at once.
 */
import { constants } from 'node:os';
import type { RunningServer } from './edge/http-server.ts';
import type { HealthService } from './features/health/health-service.ts';
import type { Logger } from './telemetry/logger.ts';

export interface Closeable {
  name: string;
  close(): Promise<void> | void;
}

export interface ShutdownOptions {
  logger: Logger;
  health: HealthService;
  server: RunningServer;
  drainDelayMs: number;
  /** Run as draining starts, not awaited by the drain delay (WebSocket connections get their going-away close). */
  onDrain?: Array<() => Promise<void>>;
  graceMs: number;
  /** Closed in order after the listener, each given at most `closeTimeoutMs`. */
  closeables: Closeable[];
  closeTimeoutMs?: number;
  exit?: (code: number) => void;
}

export function installShutdown(options: ShutdownOptions): { shutdown(reason: string, exitCode?: number): Promise<void> } {
  const { logger, health, server } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;

  async function shutdown(reason: string, exitCode = 0): Promise<void> {
    if (started) return;
    started = true;
    health.markDraining();
    // Long-lived connections hear it now, while the drain delay runs: the listener stops after it.
    const drained = Promise.allSettled((options.onDrain ?? []).map((hook) => hook()));
    logger.info(
      { reason, drain_delay_ms: options.drainDelayMs, grace_ms: options.graceMs, in_flight: server.inFlight() },
      'shutdown: draining (send the signal again to exit at once)',
    );
    await delay(options.drainDelayMs);
    await drained;

    logger.info({ in_flight: server.inFlight() }, 'shutdown: listener closed, waiting for in-flight requests');
    const { cut } = await server.stop(options.graceMs);
    if (cut > 0) logger.warn({ cut }, 'shutdown: grace period over, connections cut');

    for (const closeable of options.closeables) {
      try {
        await withTimeout(Promise.resolve(closeable.close()), options.closeTimeoutMs ?? 5_000);
      } catch (error) {
        logger.warn({ err: error, dependency: closeable.name }, 'shutdown: dependency did not close cleanly');
      }
    }
    const code = cut > 0 ? 1 : exitCode;
    logger.info({ exit_code: code }, 'shutdown: done');
    await flush(logger);
    exit(code);
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      logger.warn({ signal }, 'shutdown: second signal, exiting now');
      exit(128 + constants.signals[signal]);
      return;
    }
    void shutdown(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // A thrown error nobody caught may have left state half-changed: stop taking work, finish what runs.
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    void shutdown('uncaughtException', 1);
  });
  // A forgotten promise is a bug to fix, not a reason to drop every request in flight.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });

  return { shutdown };
}

/** Lets buffered log lines reach stdout before the process ends. */
export function flush(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not close within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
