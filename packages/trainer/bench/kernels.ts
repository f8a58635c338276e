/**
 * Times single wasm kernels on the reference CNN's shapes (median of repeats, process CPU time so
 * that other jobs on the machine disturb it less), edgeml's kernels against the backend's
 * originals where both exist:
 *   pnpm tsx packages/trainer/bench/kernels.ts [--threads 1] [--repeats 7] [--only MaxPoolGrad]
 *     [--shapes reference|resnet8] [--clock cpu|wall]
 * `--shapes resnet8` times the convolutions of ResNet-8 on CIFAR-10 (batch 128, strided ones
 * included); with several threads `--clock wall` is the one to read (CPU time sums the threads).
 */

import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/index.js';
import { originalWasmKernel } from '../src/backends/wasm/register.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '7' },
    only: { type: 'string' },
    shapes: { type: 'string', default: 'reference' },
    clock: { type: 'string', default: 'cpu' },
  },
});
await selectBackend('wasm', { threads: Number(values.threads) });
const repeats = Number(values.repeats);

type Case = {
  name: string;
  kernel: string;
  inputs: Record<string, number[]>;
  attrs: Record<string, unknown>;
};
const conv = (x: number[], f: number[], stride = 1): Omit<Case, 'name'>[] => {
  const dy = [x[0]!, Math.ceil(x[1]! / stride), Math.ceil(x[2]! / stride), f[3]!];
  const attrs = {
    strides: [stride, stride],
    pad: 'same',
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
  };
  return [
    { kernel: 'Conv2DBackpropFilter', inputs: { x, dy }, attrs: { ...attrs, filterShape: f } },
    { kernel: 'Conv2DBackpropInput', inputs: { dy, filter: f }, attrs: { ...attrs, inputShape: x } },
    { kernel: 'Conv2D', inputs: { x, filter: f }, attrs: { ...attrs, dilations: [1, 1] } },
  ];
};
const pool = (x: number[]): Omit<Case, 'name'>[] => {
  const y = [x[0]!, x[1]! / 2, x[2]! / 2, x[3]!];
  return [
    {
      kernel: 'MaxPoolGrad',
      inputs: { dy: y, input: x, output: y },
      attrs: { filterSize: [2, 2], strides: [2, 2], pad: 'valid', dimRoundingMode: undefined },
    },
  ];
};
const shapeSets: Record<string, Omit<Case, 'name'>[]> = {
  reference: [
    ...conv([128, 28, 28, 1], [3, 3, 1, 32]),
    ...conv([128, 28, 28, 32], [3, 3, 32, 32]),
    ...conv([128, 14, 14, 32], [3, 3, 32, 64]),
    ...pool([128, 28, 28, 32]),
    ...pool([128, 14, 14, 64]),
  ],
  resnet8: [
    ...conv([128, 32, 32, 3], [3, 3, 3, 16]),
    ...conv([128, 32, 32, 16], [3, 3, 16, 16]),
    ...conv([128, 32, 32, 16], [3, 3, 16, 32], 2),
    ...conv([128, 32, 32, 16], [1, 1, 16, 32], 2),
    ...conv([128, 16, 16, 32], [3, 3, 32, 32]),
    ...conv([128, 16, 16, 32], [3, 3, 32, 64], 2),
    ...conv([128, 8, 8, 64], [3, 3, 64, 64]),
  ],
};
const chosen = shapeSets[values.shapes];
if (chosen === undefined) throw new Error(`--shapes must be one of ${Object.keys(shapeSets).join(', ')}`);
const clock = (): (() => number) => {
  if (values.clock === 'wall') {
    const start = performance.now();
    return () => performance.now() - start;
  }
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
};
const cases: Case[] = chosen.map((c) => ({
  ...c,
  name: `${c.kernel} ${JSON.stringify(Object.values(c.inputs))}`,
}));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

for (const c of cases) {
  if (values.only !== undefined && !c.kernel.includes(values.only)) continue;
  const inputs: Record<string, tf.Tensor> = {};
  for (const [k, shape] of Object.entries(c.inputs)) inputs[k] = tf.randomUniform(shape, -1, 1, 'float32', 5);
  const backend = tf.backend();
  const infos: Record<string, tf.TensorInfo> = {};
  for (const [k, t] of Object.entries(inputs))
    infos[k] = { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  const time = (config: tf.KernelConfig | undefined): string => {
    if (config === undefined) return '      -';
    config.setupFunc?.(backend);
    const run = () => {
      const out = config.kernelFunc({
        inputs: infos,
        backend,
        attrs: c.attrs as tf.NamedAttrMap,
      }) as tf.TensorInfo;
      backend.disposeData(out.dataId);
    };
    run();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const elapsed = clock();
      run();
      times.push(elapsed());
    }
    return median(times).toFixed(1).padStart(7);
  };
  const ours = time(tf.getKernel(c.kernel, 'wasm'));
  const original = time(originalWasmKernel(c.kernel));
  console.log(`${ours} ms (backend's own: ${original} ms)  ${c.name}`);
  tf.dispose(Object.values(inputs));
}
process.exit(0);
