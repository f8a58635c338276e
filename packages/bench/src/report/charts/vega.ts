/**
 * Renders a Vega-Lite spec to a static, self-contained SVG string in Node: vega-lite compiles it to
 * Vega, a headless vega View (renderer 'none') renders it with vega's SVG string renderer. No
 * canvas package: vega then estimates text widths (0.8 × font size per character, more than
 * sans-serif digits and lower case take), so axis-label overlap removal and legend layout err on
 * the roomy side.
 *
 * vega's static SVG has no tooltips (its tooltip handler needs a live view) but it writes each
 * mark item's `description` as an `aria-label`; this module copies that label into a `<title>`
 * child, which browsers show on hover. Same spec and data give the same SVG byte for byte.
 */
import { parse, View } from 'vega';
import { type Config, compile, type TopLevelSpec } from 'vega-lite';

/** A Vega-Lite specification (the input of renderChart). */
export type { TopLevelSpec } from 'vega-lite';

/** Colours for series, in order (colour-blind friendly, Okabe-Ito; yellow last, it is faint). */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#000000',
  '#F0E442',
] as const;

/**
 * The look every report chart shares: fonts, the palette, labels that are never cut short, and
 * legend rows 15 px apart, 1.36 × the 11 px labels (a row is the taller of the 10 px symbol
 * (`symbolSize` 100, its area) and the label, plus `rowPadding`). vega's default padding (2) put
 * them 13 px apart: less than the line height of fonts with tall metrics (Open Sans and Noto Sans
 * take 1.36 × the font size), where a label's line box reached into the next row's.
 */
export const CHART_CONFIG: Config = {
  font: 'system-ui, sans-serif',
  range: { category: [...PALETTE] },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0, labelOverlap: true },
  legend: {
    labelFontSize: 11,
    titleFontSize: 12,
    labelLimit: 0,
    symbolLimit: 0,
    symbolSize: 100,
    rowPadding: 4,
  },
  title: { fontSize: 14, anchor: 'start' },
  view: { stroke: '#ddd' },
};

/** Escapes text for SVG/HTML content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A mark item vega wrote as a self-closing element with an aria-label: gets that label as its `<title>`. */
const LABELLED_ITEM =
  /<(path|rect|line|circle|image)( aria-label="([^"]*)" role="graphics-symbol"[^>]*?)\/>/g;

/**
 * Compiles `spec` (Vega-Lite) and renders it to an SVG string with `class="chart <className>"` on
 * its root and a `<title>` (hover tooltip) on every mark item that has a description.
 */
export async function renderChart(spec: TopLevelSpec, className: string): Promise<string> {
  const { spec: vegaSpec } = compile(spec, { config: CHART_CONFIG });
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg
      .replace(/^<svg ([^>]*?)class="marks"/, `<svg $1class="chart ${escapeXml(className)}" role="img"`)
      .replace(LABELLED_ITEM, '<$1$2><title>$3</title></$1>');
  } finally {
    view.finalize();
  }
}
