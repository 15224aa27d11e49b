/**
 * How the console writes numbers, sizes, durations and times: Intl everywhere, in the reader's
 * locale, so "1,234" or "1 234" follows the browser, never our guess.
 */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const relative = new Intl.RelativeTimeFormat(undefined, { style: 'short', numeric: 'auto' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const units = new Map();
const BYTE_STEPS = [
  { unit: 'byte', size: 1 },
  { unit: 'kilobyte', size: 1024 },
  { unit: 'megabyte', size: 1024 ** 2 },
  { unit: 'gigabyte', size: 1024 ** 3 },
];

/** @param {string} unit an Intl unit ("byte", "second", …) */
function unitFormat(unit, fractionDigits = 1) {
  const key = `${unit}:${fractionDigits}`;
  if (!units.has(key)) units.set(key, new Intl.NumberFormat(undefined, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: fractionDigits }));
  return units.get(key);
}

/** @param {number | null | undefined} n */
export const formatInteger = (n) => (n == null ? '—' : integer.format(n));

/** @param {number | null | undefined} n */
export const formatDecimal = (n) => (n == null ? '—' : decimal.format(n));

/** @param {number | null | undefined} ratio 0..1 */
export const formatPercent = (ratio) => (ratio == null ? '—' : percent.format(ratio));

/** @param {number | null | undefined} bytes */
export function formatBytes(bytes) {
  if (bytes == null) return '—';
  const step = BYTE_STEPS.findLast((candidate) => bytes >= candidate.size) ?? BYTE_STEPS[0];
  return unitFormat(step.unit).format(bytes / step.size);
}

/**
 * A span of time in the largest unit that keeps it readable: "150 ms", "4.2 sec", "3 min", "2 hr".
 * @param {number | null | undefined} ms
 */
export function formatDuration(ms) {
  if (ms == null) return '—';
  if (ms < 1_000) return unitFormat('millisecond', 0).format(ms);
  if (ms < 60_000) return unitFormat('second').format(ms / 1_000);
  if (ms < 3_600_000) return unitFormat('minute', 0).format(Math.floor(ms / 60_000));
  if (ms < 86_400_000) return unitFormat('hour', 1).format(ms / 3_600_000);
  return unitFormat('day', 1).format(ms / 86_400_000);
}

/**
 * "now", "12 sec. ago", "3 min. ago": how long before `nowMs` something happened. A moment
 * slightly ahead (clocks a little apart, or "now" ticking once a second) reads as "now".
 * @param {number} atMs @param {number} nowMs
 */
export function formatRelative(atMs, nowMs) {
  const seconds = Math.min(0, Math.round((atMs - nowMs) / 1_000));
  const size = Math.abs(seconds);
  if (size < 60) return relative.format(seconds, 'second');
  if (size < 3_600) return relative.format(Math.round(seconds / 60), 'minute');
  if (size < 86_400) return relative.format(Math.round(seconds / 3_600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** The wall-clock time of `atMs`, for a title or a log line ("10:04:31"). @param {number} atMs */
export const formatClock = (atMs) => clock.format(atMs);

/** Hours and minutes, for a chart's time axis ("10:04"). @param {number} atMs */
export const formatTimeOfDay = (atMs) => timeOfDay.format(atMs);
