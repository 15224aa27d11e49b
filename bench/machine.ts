/** The machine a bench or chaos run was measured on, as stated in its results and report. */
import { arch, cpus, release, totalmem, type as osType } from 'node:os';
import type { Machine } from './results.ts';

export function describeMachine(): Machine {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${osType()} ${release()} ${arch()}`,
  };
}
