/** The bench report writer: report.md from bench.json and/or chaos.json, with real SVG and PNG charts. */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Resvg } from '@resvg/resvg-js';
import { pngTextRenders } from '../bench/report/render.ts';
import { writeReport } from '../bench/report/write-report.ts';
import type { BenchResults, ChaosResults } from '../bench/results.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'bench');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function fixture<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(join(FIXTURES, name), 'utf8')) as T;
}

/** A temp results directory holding copies of the named fixtures. */
async function resultsDir(files: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'levee-bench-report-'));
  for (const file of files) await copyFile(join(FIXTURES, file), join(dir, file));
  return dir;
}

/** The plot paths report.md embeds or links, relative to the results directory. */
function referencedPlots(markdown: string): string[] {
  return [...new Set([...markdown.matchAll(/\]\((plots\/[^)]+\.(?:svg|png))\)/g)].map((match) => match[1] ?? ''))];
}

/** The lines of the markdown table that follows `heading` (up to the next blank line after it starts). */
function tableAfter(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `heading ${heading} is in the report`);
  const first = lines.findIndex((line, i) => i > start && line.startsWith('|'));
  assert.ok(first > start, `a table follows ${heading}`);
  const end = lines.findIndex((line, i) => i > first && !line.startsWith('|'));
  return lines.slice(first, end < 0 ? undefined : end);
}

/** Well-formed XML with an <svg> root: resvg's XML parser accepts it, and every tag closes in order. */
function assertSvg(svg: string, file: string): void {
  assert.match(svg.trimStart(), /^(<\?xml[^>]*>\s*)?<svg[\s>]/, `${file}: root element is <svg>`);
  assert.doesNotThrow(() => new Resvg(svg), `${file}: parses`);
  const open: string[] = [];
  for (const match of svg.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)([A-Za-z][\w:.-]*)[^>]*?(\/?)>/g)) {
    const [, closing, tag, selfClosing] = match;
    if (selfClosing) continue;
    if (closing) assert.equal(open.pop(), tag, `${file}: </${tag}> closes the element that is open`);
    else open.push(tag ?? '');
  }
  assert.deepEqual(open, [], `${file}: every element is closed`);
  assert.match(svg, /<text[\s>][^<]*[A-Za-z0-9]/, `${file}: has text (titles, axes, legends)`);
}

async function assertPlots(dir: string, markdown: string): Promise<string[]> {
  const referenced = referencedPlots(markdown);
  for (const path of referenced) {
    const bytes = await readFile(join(dir, path));
    if (path.endsWith('.svg')) {
      assertSvg(bytes.toString('utf8'), path);
      const png = await readFile(join(dir, path.replace(/\.svg$/, '.png')));
      assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE, `${path}: the PNG beside it is a PNG`);
      assert.ok(png.length > 10_000, `${path}: the PNG beside it has content (${png.length} bytes)`);
    }
  }
  return referenced;
}

describe('bench report', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  describe('from bench.json and chaos.json', () => {
    let dir = '';
    let markdown = '';
    let bench: BenchResults;
    let chaos: ChaosResults;
    before(async () => {
      bench = await fixture<BenchResults>('bench.json');
      chaos = await fixture<ChaosResults>('chaos.json');
      dir = await resultsDir(['bench.json', 'chaos.json']);
      dirs.push(dir);
      await writeReport(dir);
      markdown = await readFile(join(dir, 'report.md'), 'utf8');
    });

    it('states the machine, how it was produced and the settings', () => {
      assert.match(markdown, /npm run bench/);
      assert.match(markdown, /npm run chaos/);
      assert.ok(markdown.includes(bench.machine.cpuModel));
      assert.ok(markdown.includes(bench.machine.node));
      for (const key of Object.keys(bench.settings)) assert.ok(markdown.includes(`| ${key} |`), `setting ${key}`);
    });

    it('puts the targets table first, every target with an honest mark', () => {
      const rows = tableAfter(markdown, '## Targets');
      assert.ok(markdown.indexOf('## Targets') < markdown.indexOf('## Scenarios'));
      for (const target of bench.targets) {
        const row = rows.find((line) => line.startsWith(`| ${target.name} |`));
        assert.ok(row, `target row: ${target.name}`);
        assert.ok(row.includes(target.met ? '✅' : '❌'), `${target.name} is marked ${target.met ? 'met' : 'missed'}`);
      }
      assert.ok(bench.targets.some((target) => !target.met), 'the fixture has a missed target');
      assert.match(markdown, /profile notes/);
    });

    it('has a table per scenario with a row per target and level', () => {
      for (const name of new Set(bench.scenarios.map((row) => row.scenario))) {
        const rows = tableAfter(markdown, `### ${name}`).slice(2);
        const expected = bench.scenarios.filter((row) => row.scenario === name);
        assert.equal(rows.length, expected.length, `${name}: one row per target × level`);
        for (const row of expected) assert.ok(rows.some((line) => line.startsWith(`| ${row.target} | ${row.level} |`)), `${name}: ${row.target} at ${row.level}`);
      }
      const levee = tableAfter(markdown, '### chat').find((line) => line.startsWith('| levee | max'));
      assert.match(levee ?? '', /\| \+\d/, 'Levee rows show the latency added over baseline');
    });

    it('reports the microbenchmark and the concurrent streams', () => {
      assert.ok(tableAfter(markdown, '## Microbenchmark: the resilience pipeline').some((line) => line.includes(bench.micro.overheadUs.toFixed(2))));
      assert.ok(tableAfter(markdown, '## Concurrent streams').some((line) => line.includes(bench.concurrentStreams.rssMiB.toFixed(1))));
    });

    it('has an assertions table per chaos scenario', () => {
      for (const result of chaos.results) {
        const rows = tableAfter(markdown, `### ${result.title}`).slice(2);
        assert.equal(rows.length, result.assertions.length, `${result.scenario}: one row per assertion`);
        for (const assertion of result.assertions) {
          assert.ok(rows.some((line) => line.includes(assertion.name) && line.includes(assertion.passed ? '✅' : '❌')), `${result.scenario}: ${assertion.name}`);
        }
      }
    });

    it('embeds a chart per scenario, the throughput chart and a timeline per chaos scenario, all real images', async () => {
      const referenced = await assertPlots(dir, markdown);
      const expected = [
        ...new Set(bench.scenarios.map((row) => `plots/latency-${row.scenario}.svg`)),
        'plots/throughput.svg',
        ...chaos.results.map((result) => `plots/chaos-${result.scenario}.svg`),
      ];
      for (const path of expected) assert.ok(referenced.includes(path), `report embeds ${path}`);
      const written = (await readdir(join(dir, 'plots'))).filter((file) => file.endsWith('.svg'));
      assert.equal(written.length, expected.length, 'no plot is written without being referenced');
    });

    it('regenerates everything when run again', async () => {
      await writeReport(dir);
      assert.equal(await readFile(join(dir, 'report.md'), 'utf8'), markdown);
      assert.ok((await stat(join(dir, 'plots', 'throughput.png'))).size > 10_000);
    });
  });

  it('finds a font, so the PNGs carry their titles, axes and legends', () => {
    assert.ok(pngTextRenders(), 'resvg drew no text: install a font (Debian: apt-get install fonts-dejavu-core)');
  });

  it('writes a report from chaos.json alone', async () => {
    const chaos = await fixture<ChaosResults>('chaos.json');
    const dir = await resultsDir(['chaos.json']);
    dirs.push(dir);
    await writeReport(dir);
    const markdown = await readFile(join(dir, 'report.md'), 'utf8');
    assert.match(markdown, /no `bench.json`/);
    assert.doesNotMatch(markdown, /## Targets/);
    for (const result of chaos.results) assert.ok(markdown.includes(`### ${result.title}`));
    const referenced = await assertPlots(dir, markdown);
    assert.equal(referenced.filter((path) => path.endsWith('.svg')).length, chaos.results.length);
  });

  it('refuses a directory with neither file', async () => {
    const dir = await resultsDir([]);
    dirs.push(dir);
    await assert.rejects(writeReport(dir), /neither bench.json nor chaos.json/);
  });
});
