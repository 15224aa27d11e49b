/** Test support: lets pending promise callbacks run (a few microtask turns), without moving fake timers. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
