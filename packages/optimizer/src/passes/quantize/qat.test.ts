import { ConfigError } from '@edgeml/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IrGraph } from '../../ir/types.js';
import { fakeQuant, fakeQuantWeights } from './fake-quant.js';
import { interpretInt8Graph } from './int8-reference.js';
import {
  type QatResult,
  quantizationAwareTraining,
  quantizeQatModel,
  withFakeQuant,
  withFakeQuantWeights,
} from './qat.js';
import { dequantizeTensor, quantizeTensor, quantizeWeights } from './quant-math.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function argmax(data: Float32Array | Int32Array | Uint8Array, rows: number): number[] {
  const cols = data.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let k = 1; k < cols; k++) if (data[r * cols + k]! > data[r * cols + best]!) best = k;
    return best;
  });
}

describe('fakeQuant', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('forward equals dequantize(quantize(x)) exactly', () => {
    const rand = seeded(7);
    const x = Float32Array.from({ length: 4096 }, () => rand() * 8 - 3);
    const params = { scale: [Math.fround(0.0213)], zeroPoint: [-17] };
    const expected = dequantizeTensor(quantizeTensor(x, params), params);
    const got = tf.tidy(() => fakeQuant(tf.tensor1d(x), params.scale[0]!, -17, -128, 127).dataSync());
    expect(Array.from(got)).toEqual(Array.from(expected));
  });

  it('per-channel weights match quantizeWeights', () => {
    const rand = seeded(3);
    const shape = [3, 3, 2, 5];
    const w = Float32Array.from({ length: 90 }, () => rand() - 0.5);
    const q = quantizeWeights(w, shape, 5);
    const expected = dequantizeTensor(q.data, q.params);
    const got = tf.tidy(() => fakeQuantWeights(tf.tensor(w, shape), 5).dataSync());
    for (let i = 0; i < w.length; i++) expect(got[i]!).toBeCloseTo(expected[i]!, 6);
  });

  it('gradient is 1 inside the representable range and 0 outside', () => {
    // scale 0.1, zero point 0, [-128, 127] -> [-12.8, 12.7]
    const x = tf.tensor1d([-20, -12.8, -5.04, 0, 3.33, 12.7, 12.71, 40]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(fakeQuant(t, 0.1, 0, -128, 127)))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 1, 1, 1, 1, 1, 0, 0]);
    const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fakeQuant(t, 0.1, 0, -128, 127), 3)))(x);
    expect(Array.from(g2.dataSync())).toEqual([0, 3, 3, 3, 3, 3, 0, 0]);
    tf.dispose([x, g, g2]);
  });
});

/**
 * The exported int8 graph (integer reference) and the QAT simulation (`withFakeQuant`) on the same
 * images: both probability arrays and their largest absolute difference.
 */
function compareWithInt8(
  result: QatResult,
  graph: IrGraph,
  x: Float32Array,
  shape: number[],
  perTensor: boolean,
): { int8Probs: Float32Array; simulated: Float32Array; maxDiff: number } {
  const int8 = interpretInt8Graph(graph, { [graph.inputs[0]!]: { data: x, shape } });
  const int8Probs = int8[graph.outputs[0]!]!.value.data as Float32Array;
  const simulated = withFakeQuant(result.model, result.ranges, perTensor, (quantizeInput) =>
    tf.tidy(() => (result.model.predict(quantizeInput(tf.tensor(x, shape))) as tf.Tensor).dataSync()),
  ) as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < simulated.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs(simulated[i]! - int8Probs[i]!));
  return { int8Probs, simulated, maxDiff };
}

/** conv 3x3 (4, ReLU) [-> max/avg pool 2] -> flatten -> dense 3 -> softmax on 8x8x1 images, seeded. */
function tinyClassifier(seed: number, pool: boolean | 'avg'): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        name: 'conv',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      ...(pool === 'avg'
        ? [tf.layers.averagePooling2d({ poolSize: 2, name: 'pool' })]
        : pool
          ? [tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' })]
          : []),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({
        units: 3,
        name: 'logits',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
      tf.layers.activation({ activation: 'softmax', name: 'probs' }),
    ],
  });
}

describe('quantizationAwareTraining', () => {
  it('trains with fake-quantised kernels and activations and exports the int8 graph it simulated', async () => {
    const model = tinyClassifier(1, true);
    const rand = seeded(11);
    const n = 96;
    const x = Float32Array.from({ length: n * 64 }, () => rand());
    // label: which third of the image is brightest (rows 0-2, 3-5, 6-7)
    const labels = Int32Array.from({ length: n }, (_, i) => {
      const sums = [0, 0, 0];
      for (let p = 0; p < 64; p++) sums[Math.min(2, Math.floor(Math.floor(p / 8) / 3))]! += x[i * 64 + p]!;
      return sums.indexOf(Math.max(...sums));
    });
    const data = { x, shape: [n, 8, 8, 1] as const, labels };
    const before = tf.memory().numTensors;
    const result = await quantizationAwareTraining(model, data, {
      epochs: 3,
      batchSize: 16,
      learningRate: 1e-2,
    });
    expect(result.steps).toBe(18);
    expect(result.epochLosses).toHaveLength(3);
    expect(result.epochLosses[2]!).toBeLessThan(result.epochLosses[0]!);
    expect(Object.keys(result.ranges).sort()).toEqual(
      [model.inputs[0]!.name.replace(/:\d+$/, ''), 'conv', 'pool', 'flat', 'logits', 'probs'].sort(),
    );
    const initial = model.getLayer('conv').getWeights()[0]!.dataSync();
    const trained = result.model.getLayer('conv').getWeights()[0]!.dataSync();
    expect(Array.from(trained)).not.toEqual(Array.from(initial)); // gradients reach the kernels
    expect(result.ranges['conv']!.min).toBeGreaterThanOrEqual(0); // fused ReLU

    const { graph, report } = quantizeQatModel(result);
    expect(report.int8Nodes).toEqual(expect.arrayContaining(['conv', 'pool', 'flat', 'logits']));
    const { int8Probs, simulated, maxDiff } = compareWithInt8(result, graph, x, [n, 8, 8, 1], false);
    const int8Top1 = argmax(int8Probs, n);
    // The training-time simulation (kernels and activations fake-quantised with the learned ranges)
    // computes what the int8 graph computes: same top-1, probabilities within a few int8 steps.
    const fakeTop1 = argmax(simulated, n);
    const agree = int8Top1.filter((c, i) => c === fakeTop1[i]).length / n;
    expect(agree).toBe(1);
    // Rounding ties between float and integer arithmetic can move a logit by one int8 step.
    expect(maxDiff).toBeLessThan(2e-3);
    // Kernels only (activations float) is a coarser simulation of the same int8 graph.
    const weightsOnly = withFakeQuantWeights(result.model, false, () =>
      tf.tidy(() => (result.model.predict(tf.tensor(x, [n, 8, 8, 1])) as tf.Tensor).dataSync()),
    ) as Float32Array;
    let weightsOnlyDiff = 0;
    for (let i = 0; i < simulated.length; i++)
      weightsOnlyDiff = Math.max(weightsOnlyDiff, Math.abs(weightsOnly[i]! - int8Probs[i]!));
    expect(maxDiff).toBeLessThanOrEqual(weightsOnlyDiff);
    // patched reads are restored
    expect(result.model.getLayer('conv').getWeights()[0]!.dataSync()).toEqual(
      (result.model.getLayer('conv') as unknown as { kernel: { read: () => tf.Tensor } }).kernel
        .read()
        .dataSync(),
    );
    result.model.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    console.log(
      `QAT: losses ${result.epochLosses.map((l) => l.toFixed(3)).join(' ')}, int8 vs simulation: top-1 agreement ${agree}, max |dp| ${maxDiff.toExponential(2)} (kernels-only simulation ${weightsOnlyDiff.toExponential(2)})`,
    );
  });

  it('rounds an average pool to its input grid, as the int8 graph does', async () => {
    const model = tinyClassifier(9, 'avg');
    const rand = seeded(17);
    const n = 48;
    const x = Float32Array.from({ length: n * 64 }, () => rand());
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const result = await quantizationAwareTraining(
      model,
      { x, shape: [n, 8, 8, 1], labels },
      { epochs: 1, batchSize: 16, learningRate: 1e-2 },
    );
    const { graph, report } = quantizeQatModel(result);
    expect(report.int8Nodes).toContain('pool');
    const { maxDiff } = compareWithInt8(result, graph, x, [n, 8, 8, 1], false);
    expect(maxDiff).toBeLessThan(2e-3);
    result.model.dispose();
    model.dispose();
  });

  it('perTensor: kernels fake-quantised with one scale, exported with one scale, same outputs', async () => {
    const model = tinyClassifier(7, true);
    const rand = seeded(13);
    const n = 48;
    const x = Float32Array.from({ length: n * 64 }, () => rand());
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const result = await quantizationAwareTraining(
      model,
      { x, shape: [n, 8, 8, 1], labels },
      { epochs: 1, batchSize: 16, learningRate: 1e-2, perTensor: true },
    );
    expect(result.perTensor).toBe(true);
    const { graph, report } = quantizeQatModel(result);
    expect(report.weights.map((w) => w.scales)).toEqual([1, 1]);
    const { maxDiff } = compareWithInt8(result, graph, x, [n, 8, 8, 1], true);
    // Rounding ties between float and integer arithmetic can move a logit by one int8 step.
    expect(maxDiff).toBeLessThan(2e-3);
    result.model.dispose();
    model.dispose();
  });

  it('simulates a residual block (int8 Add with its fused ReLU) as the int8 graph computes it', async () => {
    const input = tf.input({ shape: [8, 8, 2], name: 'image' });
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const stem = tf.layers
      .conv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: 'stem',
        kernelInitializer: init(1),
      })
      .apply(input) as tf.SymbolicTensor;
    const branch = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'branch', kernelInitializer: init(2) })
      .apply(stem) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([stem, branch]) as tf.SymbolicTensor;
    const act = tf.layers.reLU({ name: 'sum_relu' }).apply(sum) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(act) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 3, name: 'logits', kernelInitializer: init(3) }).apply(pooled);
    const probs = tf.layers.activation({ activation: 'softmax', name: 'probs' }).apply(logits);
    const model = tf.model({ inputs: input, outputs: probs as tf.SymbolicTensor });
    const rand = seeded(5);
    const n = 64;
    const x = Float32Array.from({ length: n * 128 }, () => rand() * 2 - 0.5);
    const labels = Int32Array.from({ length: n }, (_, i) =>
      x[i * 128]! > 0.5 ? 1 : x[i * 128 + 1]! > 0.5 ? 2 : 0,
    );
    const data = { x, shape: [n, 8, 8, 2] as const, labels };
    const result = await quantizationAwareTraining(model, data, {
      epochs: 2,
      batchSize: 16,
      learningRate: 1e-2,
    });
    const { graph, report } = quantizeQatModel(result);
    const add = graph.nodes.find((node) => node.op === 'Add')!;
    expect(add.attrs).toMatchObject({ activation: 'relu' });
    expect(report.int8Nodes).toContain(add.name);
    // the fused ReLU's range is what the int8 Add is quantised with
    expect(result.ranges[add.outputs[0]!]!.min).toBeGreaterThanOrEqual(0);
    const { int8Probs, simulated, maxDiff } = compareWithInt8(result, graph, x, [n, 8, 8, 2], false);
    expect(maxDiff).toBeLessThan(0.01);
    expect(argmax(simulated, n)).toEqual(argmax(int8Probs, n));
    result.model.dispose();
    model.dispose();
  });

  it("teacherWeight keeps the fine-tuned model on the float model's predictions (self-distillation)", async () => {
    const model = tinyClassifier(4, false);
    const rand = seeded(21);
    const n = 96;
    const x = Float32Array.from({ length: n * 64 }, () => rand());
    // Labels unrelated to the float model's predictions: only the teacher term pulls towards them.
    const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * 3));
    const data = { x, shape: [n, 8, 8, 1] as const, labels };
    const floatTop1 = tf.tidy(() =>
      argmax((model.predict(tf.tensor(x, [n, 8, 8, 1])) as tf.Tensor).dataSync() as Float32Array, n),
    );
    const agreementWith = async (teacherWeight: number) => {
      const r = await quantizationAwareTraining(model, data, {
        epochs: 4,
        batchSize: 16,
        learningRate: 2e-2,
        teacherWeight,
      });
      const top1 = withFakeQuant(r.model, r.ranges, false, (q) =>
        tf.tidy(() =>
          argmax((r.model.predict(q(tf.tensor(x, [n, 8, 8, 1]))) as tf.Tensor).dataSync() as Float32Array, n),
        ),
      );
      r.model.dispose();
      return top1.filter((c, i) => c === floatTop1[i]).length / n;
    };
    const labelsOnly = await agreementWith(0);
    const selfDistilled = await agreementWith(1);
    expect(selfDistilled).toBeGreaterThan(labelsOnly + 0.1);
    model.dispose();
  });

  it('rejects bad options with typed errors', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [2], units: 2, activation: 'softmax' })],
    });
    const data = { x: new Float32Array(4), shape: [2, 1, 1, 2] as const, labels: new Int32Array(2) };
    await expect(quantizationAwareTraining(model, data, { epochs: 0 })).rejects.toThrow(ConfigError);
    await expect(quantizationAwareTraining(model, data, { rangeDecay: 1 })).rejects.toThrow(ConfigError);
    await expect(quantizationAwareTraining(model, data, { teacherWeight: 1.5 })).rejects.toThrow(
      /'teacherWeight' must be in \[0, 1\]/,
    );
    await expect(quantizationAwareTraining(model, { ...data, labels: new Int32Array(1) })).rejects.toThrow(
      ConfigError,
    );
  });
});
