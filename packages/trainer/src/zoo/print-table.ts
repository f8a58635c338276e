/**
 * Prints the model zoo as a Markdown table (parameters and MACs for 28x28x1 and 32x32x3 inputs,
 * 10 classes, default options), the table of packages/trainer/README.md:
 *
 *   npx tsx packages/trainer/src/zoo/print-table.ts
 */

import * as tf from '@tensorflow/tfjs';
import { buildModel } from './build-model.js';
import { ZOO_DOCS, ZOO_MODEL_NAMES, type ZooModelName } from './catalog.js';
import { describeModel } from './describe-model.js';
import type { ZooModelOptions } from './options.js';

const INPUTS = [
  { label: '28x28x1', shape: [28, 28, 1] },
  { label: '32x32x3', shape: [32, 32, 3] },
] as const;

type Variant = Omit<ZooModelOptions, 'inputShape' | 'numClasses'>;

/** Option variants listed after the defaults. */
const VARIANTS: readonly { name: ZooModelName; options: Variant; description: string }[] = [
  { name: 'resnet8', options: { se: true }, description: 'resnet8 with squeeze-and-excitation (r = 4).' },
  { name: 'resnet20', options: { se: true }, description: 'resnet20 with squeeze-and-excitation (r = 4).' },
  {
    name: 'mobilenetv2-tiny',
    options: { se: true },
    description: 'mobilenetv2-tiny with squeeze-and-excitation (r = 4).',
  },
  {
    name: 'mobilenetv2-tiny',
    options: { widthMultiplier: 0.5 },
    description: 'mobilenetv2-tiny at half width.',
  },
];

/** The zoo table in Markdown: one row per model, params and MACs per input shape. */
export function formatZooTable(): string {
  const header = ['model', 'description', ...INPUTS.flatMap((i) => [`params ${i.label}`, `MACs ${i.label}`])];
  const entries = [
    ...ZOO_MODEL_NAMES.map((name) => ({
      name,
      options: {} as Variant,
      label: `\`${name}\``,
      description: ZOO_DOCS[name],
    })),
    ...VARIANTS.map((v) => ({ ...v, label: `\`${v.name}\` ${JSON.stringify(v.options)}` })),
  ];
  const rows = entries.map(({ name, options, label, description }) => {
    const cells: string[] = [label, description];
    for (const input of INPUTS) {
      const model = buildModel(name, { ...options, inputShape: input.shape, numClasses: 10 });
      const d = describeModel(model);
      cells.push(d.params.toLocaleString('en-US'), `${(d.macs / 1e6).toFixed(2)} M`);
      model.dispose();
    }
    return cells;
  });
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i < 2 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

await tf.setBackend('cpu');
console.log(formatZooTable());
