/**
 * Writes `<dir>/report.md` and `<dir>/plots/*.svg|png` from whichever of `bench.json` and
 * `chaos.json` are in the results directory. Called by `npm run bench` and `npm run chaos` after
 * they write their JSON; each call regenerates everything, so both runs on one day share a report.
 *
 * Command line: `node bench/report/write-report.ts bench/results/<YYYY-MM-DD>`.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import type { BenchResults, ChaosResults, Machine } from '../results.ts';
import { benchSection } from './bench-section.ts';
import { chaosSection } from './chaos-section.ts';
import { table } from './markdown.ts';
import type { PlotRequest } from './plot.ts';
import { renderChart } from './render.ts';

/** The parsed file, or undefined when it does not exist. */
async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

function machineRows(machine: Machine): string[][] {
  return [
    ['CPUs', `${machine.cpus} × ${machine.cpuModel}`],
    ['Memory', `${machine.memoryGiB} GiB`],
    ['Node', machine.node],
    ['OS', machine.os],
  ];
}

/** Title, machine, how it was produced, and the bench settings. */
function header(dir: string, bench: BenchResults | undefined, chaos: ChaosResults | undefined): string {
  const startedAt = bench?.startedAt ?? chaos?.startedAt ?? '';
  const date = /^\d{4}-\d{2}-\d{2}$/.test(basename(dir)) ? basename(dir) : startedAt.slice(0, 10);
  const parts = [`# Levee benchmark and chaos report, ${date}`, '', '## How this was produced', ''];
  if (bench) parts.push(`- \`npm run bench\`: started ${bench.startedAt}, took ${Math.round(bench.durationSeconds)} s; results in \`bench.json\`.`);
  else parts.push('- `npm run bench`: no `bench.json` in this directory.');
  if (chaos) parts.push(`- \`npm run chaos\`: started ${chaos.startedAt}; results in \`chaos.json\`.`);
  else parts.push('- `npm run chaos`: no `chaos.json` in this directory.');
  const shown = relative(process.cwd(), dir);
  const dirText = shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : dir;
  parts.push(`- This file and \`plots/\` are regenerated from the JSON by \`node bench/report/write-report.ts ${dirText}\`.`);

  parts.push('', '## Machine', '');
  const sameMachine = !bench || !chaos || JSON.stringify(bench.machine) === JSON.stringify(chaos.machine);
  if (sameMachine) {
    const machine = (bench ?? chaos)?.machine;
    if (machine) parts.push(table(['', ''], machineRows(machine)));
  } else if (bench && chaos) {
    const chaosRows = machineRows(chaos.machine);
    parts.push(table(['', 'Bench', 'Chaos'], machineRows(bench.machine).map((row, i) => [...row, chaosRows[i]?.[1] ?? ''])));
  }
  if (bench) {
    parts.push('', '## Settings', '', table(['Setting', 'Value'], Object.entries(bench.settings).map(([key, value]) => [key, String(value)])));
  }
  return parts.join('\n');
}

/** Removes the charts of an earlier run (only .svg and .png, the files this writer makes). */
async function clearPlots(plotsDir: string): Promise<void> {
  await mkdir(plotsDir, { recursive: true });
  for (const file of await readdir(plotsDir)) {
    if (file.endsWith('.svg') || file.endsWith('.png')) await rm(join(plotsDir, file));
  }
}

/** Reads bench.json and/or chaos.json in `dir`; writes report.md and plots/. */
export async function writeReport(dir: string): Promise<void> {
  const bench = await readJson<BenchResults>(join(dir, 'bench.json'));
  const chaos = await readJson<ChaosResults>(join(dir, 'chaos.json'));
  if (!bench && !chaos) throw new Error(`bench report: neither bench.json nor chaos.json in ${dir}`);

  const sections = [...(bench ? [benchSection(bench)] : []), ...(chaos ? [chaosSection(chaos)] : [])];
  const plots: PlotRequest[] = sections.flatMap((section) => section.plots);
  const plotsDir = join(dir, 'plots');
  await clearPlots(plotsDir);
  for (const plot of plots) {
    const { svg, png } = await renderChart(plot.spec);
    await writeFile(join(plotsDir, `${plot.name}.svg`), svg);
    await writeFile(join(plotsDir, `${plot.name}.png`), png);
  }
  const markdown = [header(dir, bench, chaos), ...sections.map((section) => section.markdown)].join('\n\n');
  await writeFile(join(dir, 'report.md'), `${markdown}\n`);
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node bench/report/write-report.ts <results dir, e.g. bench/results/2025-06-14>\n');
    process.exit(2);
  }
  await writeReport(dir);
  process.stdout.write(`wrote ${join(dir, 'report.md')}\n`);
}
