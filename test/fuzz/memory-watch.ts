/**
 * Levee's memory through the run, from its own /metrics (prom-client's process and Node.js
 * defaults): a sample before, every `everyMs` during (the peak), and after; and the bounds it must
 * keep.
 */

/**
 * What Levee may keep after the run, both measured right after a forced full GC and compared with
 * the same before it. Heap: the three caches' memory tiers (CACHE_MEMORY_MAX_BYTES each, set low
 * for the run) plus 4 KiB a request for the idempotency and conversation records the run leaves
 * (small answers, far below their 64 MiB budgets; measured +6 to +28 MiB after 1,000 to 20,000
 * requests): a leak of a few KiB a request crosses it. RSS: that plus 128 MiB for what lives
 * outside the V8 heap and a GC does not hand back at once (buffers, allocator arenas; measured
 * +45 MiB after 10,000). Without the GC, RSS and heap in use follow V8's lazy collection (peaks of
 * 800 MiB RSS and 600 MiB heap were seen, all garbage), so they are reported, not bounded.
 */
export const MEMORY_BOUNDS = {
  cacheBytes: 8 * 1024 * 1024,
  retainedGrowthBytes: (requests: number) => 3 * MEMORY_BOUNDS.cacheBytes + requests * 4 * 1024,
  rssGrowthBytes: (requests: number) => MEMORY_BOUNDS.retainedGrowthBytes(requests) + 128 * 1024 * 1024,
};

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
}

export async function sampleMemory(baseUrl: string): Promise<MemorySample> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  return {
    rssBytes: value(/^process_resident_memory_bytes (\S+)$/m),
    // prom-client reports heap use per V8 space; the total is nodejs_heap_size_used_bytes.
    heapUsedBytes: value(/^nodejs_heap_size_used_bytes (\S+)$/m),
  };
}

/** Samples until stopped; `peak` holds the largest RSS and heap seen. */
export function watchMemory(baseUrl: string, everyMs: number) {
  const peak: MemorySample = { rssBytes: 0, heapUsedBytes: 0 };
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampleMemory(baseUrl).then(
      (sample) => {
        peak.rssBytes = Math.max(peak.rssBytes, sample.rssBytes);
        peak.heapUsedBytes = Math.max(peak.heapUsedBytes, sample.heapUsedBytes);
      },
      // A sample lost under load is not a finding; the next one comes.
      () => undefined,
    );
  }, everyMs);
  return {
    peak,
    async stop(): Promise<MemorySample> {
      clearInterval(timer);
      await sampling;
      return peak;
    },
  };
}

export const mebibytes = (bytes: number) => Math.round(bytes / 1024 / 1024);
