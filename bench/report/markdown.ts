/** Small markdown helpers for the bench report: tables, number formats, marks. */

/** A cell is text; numbers are formatted by the caller so each column keeps its own precision. */
export type Cell = string;

/** Escapes what would break a table cell (pipes, newlines). */
function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * A GitHub-flavoured markdown table. `align` per column: 'l' or 'r' (numbers right-aligned);
 * missing entries default to left.
 */
export function table(headers: string[], rows: Cell[][], align: ('l' | 'r')[] = []): string {
  const head = `| ${headers.map(escapeCell).join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (align[i] === 'r' ? '---:' : ':---')).join('|')}|`;
  const body = rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** A number with `digits` decimals, or '—' when there is none. */
export function fixed(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

/** Latency in ms: two decimals below 10 ms, one below 100, none above. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  return value.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0);
}

/** A signed difference in ms ("+0.42", "−1.3"), '—' when there is nothing to compare. */
export function signedMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const text = ms(Math.abs(value));
  return value < 0 ? `−${text}` : `+${text}`;
}

/** Thousands separators for counts and throughput (en-US style, no decimals). */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** ✅ or ❌. */
export function mark(passed: boolean): string {
  return passed ? '✅' : '❌';
}

/** A file-name-safe slug of a scenario name. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}
