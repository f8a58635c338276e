/** `edgeml data preview`: a PNG grid of sample images with their labels. */
import { extname } from 'node:path';
import { ConfigError } from '@edgeml/core';
import { writeFileAtomic } from '@edgeml/core/node';
import { renderPreviewGrid, type SplitName } from '@edgeml/trainer';
import type { Command } from '../command.js';
import { loadDatasetFromOptions } from '../dataset-from-options.js';
import { choiceOption, DATASET_OPTIONS, intOption, stringOption } from '../options.js';

export const dataPreview: Command = {
  name: 'data preview',
  summary: 'write a PNG grid of sample images with their labels',
  examples: [
    'pnpm edgeml data preview --dataset fashion-mnist --out grid.png',
    'pnpm edgeml data preview --split test --count 64 --out test.png',
  ],
  options: {
    ...DATASET_OPTIONS,
    out: { type: 'string', placeholder: 'FILE', description: 'PNG file to write', default: 'preview.png' },
    split: {
      type: 'string',
      placeholder: 'SPLIT',
      description: "'train', 'validation' or 'test'",
      default: 'train',
    },
    count: { type: 'string', placeholder: 'N', description: 'images in the grid', default: '40' },
    scale: { type: 'string', placeholder: 'K', description: 'pixel magnification', default: '3' },
  },
  async run(values, out) {
    const file = stringOption(values, 'out', 'preview.png');
    if (extname(file).toLowerCase() !== '.png') {
      throw new ConfigError(`--out must name a .png file (the grid is written as PNG), got '${file}'`, {
        option: 'out',
        value: file,
      });
    }
    const split = choiceOption<SplitName>(values, 'split', ['train', 'validation', 'test'], 'train');
    const count = intOption(values, 'count', { min: 1, max: 1024, fallback: 40 });
    const scale = intOption(values, 'scale', { min: 1, max: 16, fallback: 3 });
    const seed = intOption(values, 'seed', { min: 0, fallback: 0 });
    const dataset = await loadDatasetFromOptions(values);
    const png = await renderPreviewGrid(dataset, { split, count, seed, scale });
    await writeFileAtomic(file, png);
    if (out.json) out.printJson({ file, split, count, bytes: png.byteLength });
    else
      out.print(`wrote ${file}: ${count} ${split} images of ${dataset.info.name} (${png.byteLength} bytes)`);
    return 0;
  },
};
