/** The closing report of a run: counts per route and status, refusals by code, duration, memory, what the store checks saw. */
import type { FuzzReport } from './fuzz-run.ts';
import { MEMORY_BOUNDS, mebibytes } from './memory-watch.ts';

export function formatReport(report: FuzzReport): string {
  const statuses = [...new Set([...report.tally.values()].flatMap((byStatus) => [...byStatus.keys()]))].sort();
  const rows = [...report.tally.entries()].sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(...rows.map(([route]) => route.length), 5);
  const lines = [`${'route'.padEnd(width)}  ${statuses.map((status) => status.padStart(5)).join(' ')}  total`];
  for (const [route, byStatus] of rows) {
    const total = [...byStatus.values()].reduce((sum, count) => sum + count, 0);
    lines.push(`${route.padEnd(width)}  ${statuses.map((status) => String(byStatus.get(status) ?? '').padStart(5)).join(' ')}  ${total}`);
  }
  const { before, peak, after, retainedBefore, retainedAfter } = report.memory;
  lines.push(
    '',
    `refusals by code: ${report.codes.map(([code, count]) => `${code} ${count}`).join(', ')}`,
    `${report.requests} requests in ${(report.durationMs / 1000).toFixed(1)} s (${Math.round(report.requests / (report.durationMs / 1000))}/s)`,
    `memory after a full GC: heap ${mebibytes(retainedBefore)} → ${mebibytes(retainedAfter)} MiB (growth bound ${mebibytes(MEMORY_BOUNDS.retainedGrowthBytes(report.requests))}), RSS ${mebibytes(before.rssBytes)} → ${mebibytes(after.rssBytes)} MiB (growth bound ${mebibytes(MEMORY_BOUNDS.rssGrowthBytes(report.requests))}); peaks during the run (garbage included): RSS ${mebibytes(peak.rssBytes)} MiB, heap in use ${mebibytes(peak.heapUsedBytes)} MiB`,
    `stored after the run: ${JSON.stringify(report.written)}; Idempotency-Key replays of early refusals: ${report.idempotencyReplays}`,
  );
  return lines.join('\n');
}
