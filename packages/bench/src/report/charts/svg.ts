/** Small SVG building blocks shared by the charts: escaping, a log-scale axis, a palette. */

/** Escapes text for SVG/HTML content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Colours for series, in order (colour-blind friendly, Okabe-Ito). */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#F0E442',
  '#000000',
];

/** A log10 scale from [lo, hi] (values > 0) to [from, to] pixels, with decade ticks. */
export interface LogScale {
  (value: number): number;
  readonly ticks: readonly number[];
}

/** Creates a log10 scale covering `values`, widened to whole 1-2-5 steps. */
export function logScale(values: readonly number[], from: number, to: number): LogScale {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const min = positive.length > 0 ? Math.min(...positive) : 0.1;
  const max = positive.length > 0 ? Math.max(...positive) : 1;
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  const scale = ((value: number) => {
    const v = Math.log10(Math.max(value, 10 ** lo));
    return from + ((v - lo) / (hi - lo)) * (to - from);
  }) as LogScale;
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) for (const m of [1, 2, 5]) if (e < hi || m === 1) ticks.push(m * 10 ** e);
  return Object.assign(scale, { ticks });
}

/** A tick label: 0.01, 0.5, 20, 1k. */
export function tickLabel(value: number): string {
  if (value >= 1000) return `${value / 1000}k`;
  return String(Number(value.toPrecision(2)));
}
