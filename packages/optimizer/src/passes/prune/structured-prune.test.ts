import { buildModel, describeModel } from '@edgeml/trainer';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromLayersModel } from '../../convert/from-tfjs.js';
import { toLayersModel } from '../../convert/to-tfjs.js';
import { exportOnnx } from '../../export/onnx/export-onnx.js';
import { measureParity, onnxruntimeNodeRuntimes } from '../../export/onnx/parity.js';
import type { IrGraph, IrTensor } from '../../ir/types.js';
import { calibrateLogits, randomImages, randomizeWeights } from '../../testing/stand-in-models.js';
import { analyzeChannels } from './channel-spaces.js';
import { structuredPrune } from './structured-prune.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE: [number, number, number] = [16, 16, 1];
const CASES = [
  { name: 'cnn-small', options: {} },
  { name: 'resnet8', options: { se: true } },
  { name: 'mobilenetv2-tiny', options: { se: true } },
];

function seeded(name: string, options: Record<string, unknown>): tf.LayersModel {
  const model = buildModel(name, { inputShape: SHAPE, numClasses: 10, seed: 1, ...options });
  randomizeWeights(model, 1);
  calibrateLogits(model, 3, 1);
  return model;
}

/** Zeroes the odd channels of every prunable space (filters, BN gamma and beta): dead channels. */
function killOddChannels(graph: IrGraph): IrGraph {
  const tensors: Record<string, IrTensor> = { ...graph.tensors };
  const zero = (name: string, channels: number) => {
    const t = tensors[name]!;
    const data = Float32Array.from(t.data as Float32Array, (v, i) => ((i % channels) % 2 === 1 ? 0 : v));
    tensors[name] = { ...t, data };
  };
  for (const space of analyzeChannels(graph).spaces) {
    if (space.pinned !== null) continue;
    for (const conv of space.convs)
      zero(graph.nodes.find((n) => n.name === conv)!.inputs[1]!, space.channels);
    for (const bn of space.batchNorms) {
      const node = graph.nodes.find((n) => n.name === bn)!;
      zero(node.inputs[1]!, space.channels);
      zero(node.inputs[2]!, space.channels);
    }
  }
  return { ...graph, tensors };
}

describe('structuredPrune', { timeout: 60_000 }, () => {
  for (const { name, options } of CASES) {
    it(`${name}: removing dead channels changes no prediction`, () => {
      const graph = killOddChannels(fromLayersModel(seeded(name, options)));
      const { graph: pruned, report } = structuredPrune(graph, { sparsity: 0.5, criterion: 'both' });
      expect(report.pruned.length).toBeGreaterThan(0);
      for (const p of report.pruned) expect(p.after).toBe(p.before / 2);
      const x = randomImages(4, SHAPE, 2);
      const full = toLayersModel(graph).predict(x) as tf.Tensor;
      const small = toLayersModel(pruned).predict(x) as tf.Tensor;
      expect(full.sub(small).abs().max().dataSync()[0]).toBeLessThan(1e-5);
    });
  }

  it('ties channels across residual adds and keeps pinned spaces whole', () => {
    const { spaces } = analyzeChannels(fromLayersModel(seeded('resnet8', {})));
    const tied = spaces.filter((s) => s.pinned === null && s.convs.length > 1);
    // Each stage's block output is tied to its (projection) shortcut through the Add.
    expect(tied.length).toBe(3);
    const logits = spaces.find((s) => s.tensors.some((t) => t.startsWith('logits')))!;
    expect(logits.pinned).not.toBeNull();
  });

  for (const { name, options } of CASES.slice(1)) {
    it(`${name}: the pruned model is smaller, runs, and its ONNX export matches TF.js within 1e-5`, async () => {
      const model = seeded(name, options);
      const { graph } = structuredPrune(fromLayersModel(model), { sparsity: 0.5 });
      const pruned = toLayersModel(graph);
      const before = describeModel(model);
      const after = describeModel(pruned);
      expect(after.macs).toBeLessThan(before.macs * 0.5);
      expect(after.params).toBeLessThan(before.params * 0.5);
      const { bytes } = exportOnnx(pruned);
      const images = randomImages(16, SHAPE, 3);
      const parity = await measureParity(
        pruned,
        bytes,
        { x: images.dataSync() as Float32Array, shape: [16, ...SHAPE] },
        { runtimes: onnxruntimeNodeRuntimes(['disabled', 'all']) },
      );
      for (const row of parity.rows) {
        expect(row.maxAbsDiff).toBeLessThanOrEqual(1e-5);
        expect(row.top1Agree).toBe(16);
      }
    });
  }
});
