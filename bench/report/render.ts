/**
 * Vega-Lite spec → SVG (vega, headless) → PNG (resvg). resvg draws text only with fonts it can
 * load, so we hand it a known Debian font file (fonts-dejavu-core) when there is one and fall back
 * to the system's fonts otherwise.
 */
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** The face resvg draws with (the font file below); SVG viewers without it fall back along FONT_STACK. */
const CHART_FONT = 'DejaVu Sans';
const FONT_STACK = `${CHART_FONT}, Helvetica, Arial, sans-serif`;

/** Font files tried in order (Debian: fonts-dejavu-core, then fonts-liberation2 / fonts-liberation). */
const FONT_CANDIDATES = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf'],
  ['/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'],
] as const;

/** PNG width in pixels (the SVG is scaled to it, so text stays sharp). */
const PNG_WIDTH_PX = 1400;

let fontOptions: ResvgRenderOptions['font'] | undefined;

/** resvg font options: a known font file as the default family, or the system's fonts. */
function resvgFonts(): NonNullable<ResvgRenderOptions['font']> {
  if (fontOptions) return fontOptions;
  const files = FONT_CANDIDATES.map((pair) => pair.filter((file) => existsSync(file))).find((found) => found.length > 0);
  if (files) {
    const family = files[0]?.includes('Liberation') ? 'Liberation Sans' : CHART_FONT;
    fontOptions = { loadSystemFonts: false, fontFiles: [...files], defaultFontFamily: family, sansSerifFamily: family };
  } else {
    fontOptions = { loadSystemFonts: true, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT };
    if (!pngTextRenders()) process.emitWarning('bench report: resvg found no font, so the PNGs have no text (apt-get install fonts-dejavu-core)');
  }
  return fontOptions;
}

/**
 * Whether resvg, with the fonts above, draws any text at all (it silently drops text it has no
 * font for): renders a word and looks for an inked pixel.
 */
export function pngTextRenders(): boolean {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="4" y="28" font-family="${FONT_STACK}" font-size="24">Levee</text></svg>`;
  const { pixels } = new Resvg(svg, { font: resvgFonts() }).render();
  for (let alpha = 3; alpha < pixels.length; alpha += 4) if ((pixels[alpha] ?? 0) > 0) return true;
  return false;
}

/** Config merged into every chart: one font, readable sizes, white background for the PNG. */
const BASE_CONFIG = {
  font: FONT_STACK,
  background: 'white',
  padding: 12,
  title: { fontSize: 16, subtitleFontSize: 12, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e5e5e5' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#cccccc' },
} as const;

export interface RenderedChart {
  svg: string;
  png: Buffer;
}

/** Renders one Vega-Lite spec to an SVG string and a PNG buffer. */
export async function renderChart(spec: TopLevelSpec): Promise<RenderedChart> {
  const withConfig = { ...spec, config: { ...BASE_CONFIG, ...spec.config } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, { fitTo: { mode: 'width', value: PNG_WIDTH_PX }, font: resvgFonts() }).render().asPng();
    return { svg, png };
  } finally {
    view.finalize();
  }
}
