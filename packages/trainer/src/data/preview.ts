/**
 * renderPreviewGrid: a PNG contact sheet of sample images from a split, each enlarged
 * (nearest neighbour, so pixels stay crisp) with its class name drawn underneath in a 5x7 bitmap
 * font. Samples are a seeded random choice, so the same seed gives the same sheet.
 */
import { ConfigError, encodePng, seededPermutation } from '@edgeml/core';
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';
import type { Dataset, SplitName } from './dataset.js';

/** Options of renderPreviewGrid. */
export interface PreviewOptions {
  /** Split to sample. @default 'train' */
  readonly split?: SplitName;
  /** Images in the grid (at most the split's size). @default 40 */
  readonly count?: number;
  /** Seed of the sample. @default 0 */
  readonly seed?: number;
  /** Pixel magnification of each image. @default 3 */
  readonly scale?: number;
  /** Images per row. @default min(count, 10) */
  readonly columns?: number;
}

const BACKGROUND = 244;
const TEXT_COLOR = [24, 24, 24] as const;

/** Renders a labelled grid of sample images as PNG bytes (RGB). */
export async function renderPreviewGrid(dataset: Dataset, options: PreviewOptions = {}): Promise<Uint8Array> {
  const splitName = options.split ?? 'train';
  const split = dataset.split(splitName);
  const scale = options.scale ?? 3;
  const seed = options.seed ?? 0;
  checkInt('count', options.count ?? 40, 1);
  checkInt('scale', scale, 1, 64);
  checkInt('seed', seed, 0);
  if (split.size === 0)
    throw new ConfigError(`split '${splitName}' of ${dataset.info.name} has no images to preview`);
  const count = Math.min(options.count ?? 40, split.size);
  const columns = Math.min(count, options.columns ?? 10);
  checkInt('columns', columns, 1);
  const indices = seededPermutation(split.size, seed).slice(0, count);
  const pixels = await split.readPixels(indices);
  const [h, w, c] = dataset.info.inputShape;
  const names = dataset.info.classNames;
  const labels = Array.from(indices, (i) => names[split.labels[i] ?? -1] ?? '?');

  const fontScale = Math.max(1, Math.min(4, Math.floor((h * scale) / 40)));
  const pad = 3 * fontScale;
  const imageW = w * scale;
  const imageH = h * scale;
  const labelW = Math.max(...labels.map((l) => textWidth(l, fontScale)));
  const cellW = Math.max(imageW, labelW) + 2 * pad;
  const cellH = pad + imageH + 2 * fontScale + GLYPH_HEIGHT * fontScale + pad;
  const rows = Math.ceil(count / columns);
  const canvas = {
    width: columns * cellW,
    height: rows * cellH,
    data: new Uint8Array(columns * cellW * rows * cellH * 3),
  };
  canvas.data.fill(BACKGROUND);

  for (let k = 0; k < count; k++) {
    const left = (k % columns) * cellW;
    const top = Math.floor(k / columns) * cellH;
    const imageLeft = left + Math.floor((cellW - imageW) / 2);
    const base = k * h * w * c;
    for (let y = 0; y < imageH; y++) {
      const sy = Math.floor(y / scale);
      for (let x = 0; x < imageW; x++) {
        const s = base + (sy * w + Math.floor(x / scale)) * c;
        const o = ((top + pad + y) * canvas.width + imageLeft + x) * 3;
        for (let ch = 0; ch < 3; ch++) canvas.data[o + ch] = pixels[s + (c === 1 ? 0 : ch)] ?? 0;
      }
    }
    const label = labels[k] ?? '?';
    const textLeft = left + Math.floor((cellW - textWidth(label, fontScale)) / 2);
    drawText(canvas, label, textLeft, top + pad + imageH + 2 * fontScale, fontScale, TEXT_COLOR);
  }
  return encodePng({ width: canvas.width, height: canvas.height, channels: 3, data: canvas.data });
}

function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`'${name}' must be an integer in [${min}, ${max}], got ${value}`);
  }
}
