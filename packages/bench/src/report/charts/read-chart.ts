/**
 * Reads a chart rendered by renderChart back into what it shows: a strict XML parse (throws on
 * SVG that is not well-formed), then the legend titles and labels, the axes (ticks with their
 * positions and labels), every mark item that has a `<title>` (its position), and every visible
 * text with an estimated box. For tests and checks that compare a chart with its tables.
 */

/** An element of the parsed SVG. */
export interface SvgElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly (SvgElement | string)[];
}

/** One axis: its ticks in order, each at a pixel position along the axis, with its label. */
export interface ChartAxis {
  /** 'x' (horizontal) or 'y' (vertical). */
  readonly orient: 'x' | 'y';
  /** The axis's aria description, e.g. "X-axis titled 'ms' for a log scale with values from 0.1 to 10". */
  readonly description: string;
  /** Tick positions (absolute px along the axis) and labels ('' where overlap removal hid it). */
  readonly ticks: readonly { readonly position: number; readonly label: string }[];
}

/** A visible text with its absolute anchor point and an estimated box (0.8 × font size per character, vega's own estimate). */
export interface ChartText {
  readonly text: string;
  readonly role: string;
  readonly box: { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number };
}

/** What a rendered chart shows. */
export interface ChartReading {
  readonly root: SvgElement;
  readonly legendTitles: readonly string[];
  readonly legendLabels: readonly string[];
  readonly axes: readonly ChartAxis[];
  /** Mark items with a hover title: the mark's name (Vega-Lite layer name), the title, the item's absolute position (a symbol's centre, a rect's top-left corner). */
  readonly items: readonly {
    readonly mark: string;
    readonly title: string;
    readonly x: number;
    readonly y: number;
  }[];
  readonly texts: readonly ChartText[];
}

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function decode(text: string, where: number): string {
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text))
    throw new Error(`SVG is not well-formed: a bare '&' near offset ${where}`);
  return text.replace(ENTITY, (e) => {
    if (e === '&amp;') return '&';
    if (e === '&lt;') return '<';
    if (e === '&gt;') return '>';
    if (e === '&quot;') return '"';
    if (e === '&apos;') return "'";
    return String.fromCodePoint(e[2] === 'x' ? Number.parseInt(e.slice(3, -1), 16) : Number(e.slice(2, -1)));
  });
}

const NAME = '[A-Za-z_][\\w.:-]*';
const TAG = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(/?)>`);
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*"([^"<]*)"`, 'g');

/** Parses one XML document (elements, attributes, text; no DTD, comments or CDATA); throws when it is not well-formed. */
export function parseSvg(svg: string): SvgElement {
  const stack: { name: string; attributes: Record<string, string>; children: (SvgElement | string)[] }[] = [
    { name: '#document', attributes: {}, children: [] },
  ];
  let at = 0;
  while (at < svg.length) {
    const lt = svg.indexOf('<', at);
    const text = svg.slice(at, lt === -1 ? svg.length : lt);
    if (text.length > 0) {
      if (text.includes('>')) throw new Error(`SVG is not well-formed: a bare '>' near offset ${at}`);
      const top = stack[stack.length - 1];
      if (stack.length === 1 && text.trim() !== '')
        throw new Error(`SVG is not well-formed: text outside the root near offset ${at}`);
      top?.children.push(decode(text, at));
    }
    if (lt === -1) break;
    const match = TAG.exec(svg.slice(lt));
    if (!match) throw new Error(`SVG is not well-formed: a malformed tag at offset ${lt}`);
    const [whole, closing, name = '', attributeText = '', selfClosing] = match;
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name || stack.length === 0)
        throw new Error(`SVG is not well-formed: </${name}> closes <${open?.name}> at offset ${lt}`);
      stack[stack.length - 1]?.children.push(open);
    } else {
      const attributes: Record<string, string> = {};
      for (const [, key = '', value = ''] of attributeText.matchAll(ATTRIBUTE)) {
        if (key in attributes)
          throw new Error(`SVG is not well-formed: attribute '${key}' twice at offset ${lt}`);
        attributes[key] = decode(value, lt);
      }
      const element = { name, attributes, children: [] };
      if (selfClosing) stack[stack.length - 1]?.children.push(element);
      else stack.push(element);
    }
    at = lt + whole.length;
  }
  if (stack.length !== 1)
    throw new Error(`SVG is not well-formed: <${stack[stack.length - 1]?.name}> is never closed`);
  const roots = stack[0]?.children.filter((c): c is SvgElement => typeof c !== 'string') ?? [];
  if (roots.length !== 1 || roots[0]?.name !== 'svg')
    throw new Error('SVG is not well-formed: expected exactly one <svg> root');
  return roots[0];
}

/** The concatenated text inside an element. */
export function textOf(element: SvgElement): string {
  return element.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

const classes = (e: SvgElement) => (e.attributes.class ?? '').split(/\s+/);

function translateOf(e: SvgElement): [number, number] {
  const m = /^translate\(([-\d.e]+),([-\d.e]+)\)/.exec(e.attributes.transform ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Every element with its absolute translate (the sum of its ancestors' and its own leading translate). */
function walk(
  e: SvgElement,
  visit: (e: SvgElement, x: number, y: number, ancestors: readonly SvgElement[]) => void,
  x = 0,
  y = 0,
  ancestors: SvgElement[] = [],
): void {
  const [dx, dy] = translateOf(e);
  visit(e, x + dx, y + dy, ancestors);
  for (const c of e.children) if (typeof c !== 'string') walk(c, visit, x + dx, y + dy, [...ancestors, e]);
}

/** Parses `svg` (throws when it is not well-formed) and reads what the chart shows. */
export function readChart(svg: string): ChartReading {
  const root = parseSvg(svg);
  const legendTitles: string[] = [];
  const legendLabels: string[] = [];
  const axes: ChartAxis[] = [];
  const items: { mark: string; title: string; x: number; y: number }[] = [];
  const texts: ChartText[] = [];
  walk(root, (e, x, y, ancestors) => {
    const parent = ancestors[ancestors.length - 1];
    const role = parent ? (classes(parent).find((c) => c.startsWith('role-')) ?? '') : '';
    if (e.name === 'text') {
      const text = textOf(e);
      if (role === 'role-legend-title') legendTitles.push(text);
      if (role === 'role-legend-label') legendLabels.push(text);
      if (text !== '' && e.attributes.opacity !== '0') {
        const size = Number.parseFloat(e.attributes['font-size'] ?? '11');
        const width = 0.8 * size * text.length;
        const anchor = e.attributes['text-anchor'] ?? 'start';
        const x1 = anchor === 'end' ? x - width : anchor === 'middle' ? x - width / 2 : x;
        const rotated = /rotate\(-?90\)/.test(e.attributes.transform ?? '');
        const box = rotated
          ? { x1: x - 0.7 * size, y1: y - (x1 - x) - width, x2: x + 0.2 * size, y2: y - (x1 - x) }
          : { x1, y1: y - 0.7 * size, x2: x1 + width, y2: y + 0.2 * size };
        texts.push({ text, role, box });
      }
    }
    const title = e.children.find((c): c is SvgElement => typeof c !== 'string' && c.name === 'title');
    if (title && e.attributes.role === 'graphics-symbol' && parent) {
      const mark =
        classes(parent)
          .find((c) => c.endsWith('_marks'))
          ?.replace(/_marks$/, '') ?? '';
      // A rect-like item (bar, tick) is a path without a translate: its position is its first point.
      const start = e.attributes.transform ? undefined : /^M([-\d.e]+),([-\d.e]+)/.exec(e.attributes.d ?? '');
      items.push({
        mark,
        title: textOf(title),
        x: x + Number(start?.[1] ?? 0),
        y: y + Number(start?.[2] ?? 0),
      });
    }
    const description = e.attributes['aria-label'] ?? '';
    if (e.name === 'g' && classes(e).includes('role-axis') && /^[XY]-axis/.test(description)) {
      const orient = description.startsWith('X') ? 'x' : 'y';
      const positions: number[] = [];
      const labels: string[] = [];
      walk(
        e,
        (t, tx, ty, up) => {
          const group = up[up.length - 1];
          if (!group) return;
          if (t.name === 'line' && classes(group).includes('role-axis-tick'))
            positions.push(orient === 'x' ? tx : ty);
          if (t.name === 'text' && classes(group).includes('role-axis-label'))
            labels.push(t.attributes.opacity === '0' ? '' : textOf(t));
        },
        x - translateOf(e)[0],
        y - translateOf(e)[1],
      );
      axes.push({
        orient,
        description,
        ticks: positions.map((position, i) => ({ position, label: labels[i] ?? '' })),
      });
    }
  });
  return { root, legendTitles, legendLabels, axes, items, texts };
}

/** A tick label as a number: '90.5%' → 0.905, '20k' → 20000, '1.5M' → 1500000, '0.3' → 0.3. */
export function tickValue(label: string): number {
  const m = /^(-?[\d.,]+)\s*(%|k|M|m|µ)?$/.exec(label.trim());
  if (!m) return Number.NaN;
  const n = Number((m[1] ?? '').replace(/,/g, ''));
  const unit = { '%': 0.01, k: 1e3, M: 1e6, m: 1e-3, µ: 1e-6 }[m[2] ?? ''] ?? 1;
  return n * unit;
}

/** The data value at a pixel position on `axis`, read from its first and last labelled ticks (linear or log). */
export function valueAt(axis: ChartAxis, position: number, scale: 'linear' | 'log' = 'linear'): number {
  const labelled = axis.ticks.filter((t) => Number.isFinite(tickValue(t.label)));
  const a = labelled[0];
  const b = labelled[labelled.length - 1];
  if (!a || !b || a.position === b.position)
    throw new Error(`axis '${axis.description}' has fewer than two labelled ticks`);
  const f = scale === 'log' ? Math.log10 : (v: number) => v;
  const fa = f(tickValue(a.label));
  const fb = f(tickValue(b.label));
  const v = fa + ((position - a.position) / (b.position - a.position)) * (fb - fa);
  return scale === 'log' ? 10 ** v : v;
}

/** Pairs of visible texts whose estimated boxes overlap by more than `tolerance` px each way. */
export function overlappingTexts(texts: readonly ChartText[], tolerance = 0.5): [string, string][] {
  const out: [string, string][] = [];
  texts.forEach((a, i) => {
    for (const b of texts.slice(i + 1)) {
      const dx = Math.min(a.box.x2, b.box.x2) - Math.max(a.box.x1, b.box.x1);
      const dy = Math.min(a.box.y2, b.box.y2) - Math.max(a.box.y1, b.box.y1);
      if (dx > tolerance && dy > tolerance) out.push([a.text, b.text]);
    }
  });
  return out;
}
