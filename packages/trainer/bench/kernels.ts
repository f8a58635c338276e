/**
 * Times single wasm kernels on the reference CNN's shapes (median of repeats, process CPU time so
 * that other jobs on the machine disturb it less), edgeml's kernels against the backend's
 * originals where both exist:
 *   pnpm tsx packages/trainer/bench/kernels.ts [--threads 1] [--repeats 7] [--only MaxPoolGrad]
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
const conv = (x: number[], f: number[]): Omit<Case, 'name'>[] => {
  const dy = [x[0]!, x[1]!, x[2]!, f[3]!];
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
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
const cases: Case[] = [
  ...conv([128, 28, 28, 1], [3, 3, 1, 32]),
  ...conv([128, 28, 28, 32], [3, 3, 32, 32]),
  ...conv([128, 14, 14, 32], [3, 3, 32, 64]),
  ...pool([128, 28, 28, 32]),
  ...pool([128, 14, 14, 64]),
].map((c) => ({ ...c, name: `${c.kernel} ${JSON.stringify(Object.values(c.inputs))}` }));

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
      const t = process.cpuUsage();
      run();
      const used = process.cpuUsage(t);
      times.push((used.user + used.system) / 1000);
    }
    return median(times).toFixed(1).padStart(7);
  };
  const ours = time(tf.getKernel(c.kernel, 'wasm'));
  const original = time(originalWasmKernel(c.kernel));
  console.log(`${ours} ms (backend's own: ${original} ms)  ${c.name}`);
  tf.dispose(Object.values(inputs));
}
process.exit(0);
