import { ConfigError, decodeImage } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { createInMemoryDataset } from './in-memory-dataset.js';
import { renderPreviewGrid } from './preview.js';

/** 12 gray 4x4 images, image i filled with 20 * i, labels alternating 'even'/'odd-class'. */
function tinyDataset() {
  const pixels = new Uint8Array(12 * 16);
  for (let i = 0; i < 12; i++) pixels.fill(20 * i, i * 16, (i + 1) * 16);
  const labels = Int32Array.from({ length: 12 }, (_, i) => i % 2);
  const rows = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  return createInMemoryDataset({
    name: 'tiny',
    classNames: ['even', 'odd-class'],
    store: { shape: [4, 4, 1], pixels, labels },
    rows: { train: rows(0, 8), validation: rows(8, 10), test: rows(10, 12) },
    dropped: { count: 0, reasons: [] },
    splitPolicy: 'fixed rows',
  });
}

describe('renderPreviewGrid', () => {
  it('renders a PNG grid whose size follows count, columns, scale and the label widths', async () => {
    const png = await renderPreviewGrid(tinyDataset(), {
      split: 'train',
      count: 6,
      seed: 1,
      scale: 10,
      columns: 4,
    });
    const image = decodeImage(png, 'preview.png');
    // scale 10: 40px images; font scale 1, pad 3; 'odd-class' is 9 glyphs = 53px wide, the widest.
    expect(image.channels).toBe(3);
    expect(image.width).toBe(4 * (53 + 6));
    expect(image.height).toBe(2 * (3 + 40 + 2 + 8 + 3));
    // The first cell's image is centred: its top-left pixel is an image pixel, not background.
    const left = Math.floor((59 - 40) / 2);
    const o = (3 * image.width + left) * 3;
    expect(image.data[o]).not.toBe(244);
    expect(image.data[0]).toBe(244);
  });

  it('is reproducible by seed and rejects empty splits and bad options', async () => {
    const dataset = tinyDataset();
    const a = await renderPreviewGrid(dataset, { split: 'test', seed: 4 });
    expect(await renderPreviewGrid(dataset, { split: 'test', seed: 4 })).toEqual(a);
    await expect(renderPreviewGrid(dataset, { scale: 0 })).rejects.toThrow(ConfigError);
    const empty = createInMemoryDataset({
      name: 'empty',
      classNames: ['x'],
      store: { shape: [1, 1, 1], pixels: new Uint8Array(1), labels: new Int32Array(1) },
      rows: { train: Int32Array.of(0), validation: new Int32Array(0), test: new Int32Array(0) },
      dropped: { count: 0, reasons: [] },
      splitPolicy: '',
    });
    await expect(renderPreviewGrid(empty, { split: 'validation' })).rejects.toThrow(/no images/);
  });
});
