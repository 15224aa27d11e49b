/**
 * Redis's clock, which the fleet's rate-limit windows follow: tests that need a burst to fall in
 * one window (or to straddle two) read it rather than their own.
 */
import type { createClient } from 'redis';
import { waitFor } from './wait-for.ts';

type RedisClient = ReturnType<typeof createClient>;

/** Redis's time in ms since the epoch. */
export async function redisNowMs(redis: RedisClient): Promise<number> {
  const [seconds, microseconds] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
}

/** Waits until Redis's clock is at least `marginMs` before the end of its current `windowMs` window. */
export async function awayFromWindowEnd(redis: RedisClient, windowMs: number, marginMs: number): Promise<void> {
  await waitFor(async () => (await redisNowMs(redis)) % windowMs < windowMs - marginMs, {
    timeoutMs: marginMs + 10_000,
    intervalMs: 100,
    what: `Redis's clock to leave the last ${marginMs} ms of a ${windowMs} ms window`,
  });
}

/** Waits until Redis's clock is `fromMs` to `toMs` into a `windowMs` window; answers the window's start. */
export async function intoWindow(redis: RedisClient, windowMs: number, fromMs: number, toMs: number): Promise<number> {
  return waitFor(
    async () => {
      const now = await redisNowMs(redis);
      const elapsed = now % windowMs;
      return elapsed >= fromMs && elapsed < toMs ? now - elapsed : undefined;
    },
    { timeoutMs: windowMs + 10_000, intervalMs: 50, what: `Redis's clock to be ${fromMs}-${toMs} ms into a ${windowMs} ms window` },
  );
}
