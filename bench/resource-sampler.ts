/**
 * Samples one process's CPU and memory from /proc while a run goes on: CPU as the utime + stime
 * delta over the run (% of one core), memory as the peak VmRSS seen in samples every ~200 ms.
 * Only that process: children (Levee's embedded Postgres) are not counted.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, almost always 100). */
const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU ticks (user + system) the process has used so far. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime), counted from field 3 (state) at index 0.
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  return cpuTicks(pid) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory now, MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) / 1024 : 0;
}

export interface ResourceFigures {
  /** Mean CPU over the sampled period, % of one core. */
  cpuPercent: number;
  /** Peak resident memory seen, MiB. */
  rssMiB: number;
}

/** Watches `pid` from start() to stop(). */
export class ResourceSampler {
  readonly #pid: number;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #startTicks = 0;
  #startedAt = 0;
  #peakRss = 0;

  constructor(pid: number, intervalMs = 200) {
    this.#pid = pid;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#startTicks = cpuTicks(this.#pid);
    this.#startedAt = performance.now();
    this.#peakRss = rssMiB(this.#pid);
    this.#timer = setInterval(() => {
      this.#peakRss = Math.max(this.#peakRss, rssMiB(this.#pid));
    }, this.#intervalMs);
  }

  stop(): ResourceFigures {
    clearInterval(this.#timer);
    this.#peakRss = Math.max(this.#peakRss, rssMiB(this.#pid));
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const cpuSeconds = (cpuTicks(this.#pid) - this.#startTicks) / CLOCK_TICKS_PER_SECOND;
    return { cpuPercent: seconds > 0 ? (cpuSeconds / seconds) * 100 : 0, rssMiB: this.#peakRss };
  }
}
