/** What a report section asks the writer to render: one chart, written as plots/<name>.svg and .png. */
import type { TopLevelSpec } from 'vega-lite';

export interface PlotRequest {
  /** File name without extension, unique within the report (e.g. 'latency-chat'). */
  name: string;
  spec: TopLevelSpec;
}

/** A piece of report.md and the charts it embeds. */
export interface Section {
  markdown: string;
  plots: PlotRequest[];
}

/** The markdown that embeds a plot: the SVG inline, a link to the PNG beside it. */
export function embed(name: string, alt: string): string {
  return `![${alt.replace(/[[\]]/g, '')}](plots/${name}.svg)\n\n<sub>PNG: [plots/${name}.png](plots/${name}.png)</sub>`;
}
