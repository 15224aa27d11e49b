/**
 * The bench runs Levee as users do: API keys on, so every load generator presents this key
 * (the baseline proxy ignores it; Portkey gets its own headers on top).
 */
export const BENCH_CLIENT_KEY = 'sk-levee-bench-0123456789abcdef01234567';
export const CLIENT_AUTHORIZATION = { authorization: `Bearer ${BENCH_CLIENT_KEY}` } as const;
