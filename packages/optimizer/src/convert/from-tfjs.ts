/**
 * TF.js LayersModel -> IR. Each Keras layer becomes one IR node (or none: Dropout and friends
 * vanish, their output is an alias of their input); a conv/dense `activation` becomes the node's
 * fused activation (softmax, which cannot be fused, becomes its own Softmax node). Weights are
 * copied in TF.js's own layouts (see ir/types.ts). Unsupported layers fail with an UnsupportedError
 * naming the layer and its class.
 */

import { UnsupportedError } from '@edgeml/core';
import type * as tf from '@tensorflow/tfjs';
import type { FusedActivation, IrGraph, IrMetadata, IrNode, IrTensor, PaddingMode } from '../ir/types.js';
import { validateGraph } from '../ir/validate.js';
import { type KerasLayerEntry, readTopology } from './keras-topology.js';

/** Options of fromLayersModel. */
export interface FromLayersModelOptions {
  /** Graph name. @default the model's name */
  readonly name?: string;
  /** Labels, preprocessing and properties to carry along. */
  readonly metadata?: IrMetadata;
}

/** Keras layer classes the converter understands. */
export const SUPPORTED_LAYER_CLASSES: readonly string[] = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'Dense',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'Softmax',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'Reshape',
  'Add',
  'Multiply',
  'Concatenate',
  'ZeroPadding2D',
  'Dropout',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
];

const VANISHING = new Set([
  'Dropout',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

class Converter {
  readonly tensors: Record<string, IrTensor> = {};
  readonly nodes: IrNode[] = [];
  /** Layer name -> name of the IR tensor holding its output. */
  readonly outputOf = new Map<string, string>();

  constructor(private readonly model: tf.LayersModel) {}

  unsupported(layer: KerasLayerEntry, problem: string): never {
    throw new UnsupportedError(
      `layer '${layer.name}' (class ${layer.className}) is not supported: ${problem}`,
      {
        layer: layer.name,
        className: layer.className,
      },
    );
  }

  shapeOf(layer: KerasLayerEntry): number[] {
    const shape =
      layer.className === 'InputLayer'
        ? (layer.config['batch_input_shape'] as (number | null)[])
        : (this.model.getLayer(layer.name).outputShape as (number | null)[]);
    return shape.map((d) => d ?? -1);
  }

  /** Copies the layer's weights into initializers named `${layer}/${suffix}`, in TF.js order. */
  weights(layer: KerasLayerEntry): Map<string, string> {
    const names = new Map<string, string>();
    const tfLayer = this.model.getLayer(layer.name);
    const values = tfLayer.getWeights();
    tfLayer.weights.forEach((w, i) => {
      const suffix = w.originalName.slice(w.originalName.lastIndexOf('/') + 1).replace(/_\d+$/, '');
      const value = values[i]!;
      const name = `${layer.name}/${suffix}`;
      this.tensors[name] = {
        name,
        shape: [...value.shape],
        dtype: 'float32',
        data: Float32Array.from(value.dataSync()),
      };
      names.set(suffix, name);
    });
    return names;
  }

  fusedActivation(layer: KerasLayerEntry): { fused: FusedActivation; softmax: boolean } {
    const a = String(layer.config['activation'] ?? 'linear');
    const map: Record<string, FusedActivation> = {
      linear: 'none',
      relu: 'relu',
      relu6: 'relu6',
      sigmoid: 'sigmoid',
    };
    if (a === 'softmax') return { fused: 'none', softmax: true };
    const fused = map[a];
    if (fused === undefined)
      this.unsupported(layer, `activation '${a}' (allowed: linear, relu, relu6, sigmoid, softmax)`);
    return { fused, softmax: false };
  }

  padding(layer: KerasLayerEntry): PaddingMode {
    const p = layer.config['padding'];
    if (p !== 'same' && p !== 'valid')
      this.unsupported(layer, `padding '${String(p)}' (allowed: same, valid)`);
    if ((layer.config['data_format'] ?? 'channels_last') !== 'channels_last') {
      this.unsupported(layer, "data_format must be 'channels_last'");
    }
    return p;
  }

  pair(value: unknown, fallback: [number, number]): [number, number] {
    if (typeof value === 'number') return [value, value];
    if (Array.isArray(value) && value.length === 2) return [Number(value[0]), Number(value[1])];
    return fallback;
  }

  /** Adds a node whose single output is a new tensor; returns the output name. */
  add(node: Omit<IrNode, 'outputs'> & { output: string }, shape: readonly number[]): string {
    const { output, ...rest } = node;
    this.tensors[output] = { name: output, shape, dtype: 'float32' };
    this.nodes.push({ ...rest, outputs: [output] } as IrNode);
    return output;
  }

  convert(layer: KerasLayerEntry): void {
    const c = layer.config;
    const inputs = layer.inbound.map((l) => this.outputOf.get(l)!);
    const x = inputs[0]!;
    const shape = this.shapeOf(layer);
    const rank = shape.length;
    const out = layer.name;
    const simple = (op: IrNode['op'], attrs: object = {}, ins = inputs) =>
      this.outputOf.set(
        layer.name,
        this.add({ name: out, op, inputs: ins, attrs, output: out } as never, shape),
      );
    if (VANISHING.has(layer.className)) {
      this.outputOf.set(layer.name, x);
      return;
    }
    switch (layer.className) {
      case 'InputLayer':
        this.tensors[out] = { name: out, shape, dtype: 'float32' };
        this.outputOf.set(layer.name, out);
        return;
      case 'Conv2D':
      case 'DepthwiseConv2D':
      case 'Dense': {
        const w = this.weights(layer);
        const kernel = w.get('kernel') ?? w.get('depthwise_kernel');
        if (kernel === undefined) this.unsupported(layer, 'kernel weight not found');
        const bias = w.get('bias');
        const { fused, softmax } = this.fusedActivation(layer);
        const spatial =
          layer.className === 'Dense'
            ? {}
            : {
                strides: this.pair(c['strides'], [1, 1]),
                dilations: this.pair(c['dilation_rate'], [1, 1]),
                padding: this.padding(layer),
                ...(layer.className === 'DepthwiseConv2D'
                  ? { depthMultiplier: Number(c['depth_multiplier'] ?? 1) }
                  : {}),
              };
        if (layer.className === 'Dense' && this.tensors[x]!.shape.length !== 2) {
          this.unsupported(layer, `Dense on a rank-${this.tensors[x]!.shape.length} input (only rank 2)`);
        }
        if (layer.className === 'Conv2D' && Number(c['groups'] ?? 1) !== 1)
          this.unsupported(layer, 'groups > 1');
        const linearOut = softmax ? `${out}_linear` : out;
        const op = layer.className === 'Dense' ? 'Dense' : layer.className;
        this.add(
          {
            name: out,
            op,
            inputs: bias === undefined ? [x, kernel] : [x, kernel, bias],
            attrs: { ...spatial, activation: fused },
            output: linearOut,
          } as never,
          shape,
        );
        if (softmax) {
          this.add(
            {
              name: `${out}_softmax`,
              op: 'Softmax',
              inputs: [linearOut],
              attrs: { axis: rank - 1 },
              output: out,
            },
            shape,
          );
        }
        this.outputOf.set(layer.name, out);
        return;
      }
      case 'BatchNormalization': {
        const axis = Number(c['axis'] ?? -1);
        if (axis !== -1 && axis !== rank - 1) this.unsupported(layer, `axis ${axis} (only the last axis)`);
        const w = this.weights(layer);
        const channels = shape[rank - 1]!;
        const param = (suffix: string, fill: number) => {
          const name = w.get(suffix);
          if (name !== undefined) return name;
          const filled = `${out}/${suffix}`;
          this.tensors[filled] = {
            name: filled,
            shape: [channels],
            dtype: 'float32',
            data: new Float32Array(channels).fill(fill),
          };
          return filled;
        };
        const ins = [
          x,
          param('gamma', 1),
          param('beta', 0),
          param('moving_mean', 0),
          param('moving_variance', 1),
        ];
        simple('BatchNorm', { epsilon: Number(c['epsilon'] ?? 1e-3) }, ins);
        return;
      }
      case 'Activation': {
        const a = String(c['activation']);
        const ops: Record<string, IrNode['op']> = {
          linear: 'Identity',
          relu: 'ReLU',
          relu6: 'ReLU6',
          sigmoid: 'Sigmoid',
        };
        if (a === 'softmax') simple('Softmax', { axis: rank - 1 });
        else if (ops[a] !== undefined) simple(ops[a]);
        else this.unsupported(layer, `activation '${a}' (allowed: linear, relu, relu6, sigmoid, softmax)`);
        return;
      }
      case 'ReLU': {
        const max = c['max_value'];
        if (Number(c['negative_slope'] ?? 0) !== 0 || Number(c['threshold'] ?? 0) !== 0) {
          this.unsupported(layer, 'negative_slope and threshold must be 0');
        }
        if (max === null || max === undefined) simple('ReLU');
        else if (Number(max) === 6) simple('ReLU6');
        else this.unsupported(layer, `max_value ${String(max)} (allowed: none or 6)`);
        return;
      }
      case 'Softmax': {
        const axis = Number(c['axis'] ?? -1);
        simple('Softmax', { axis: axis < 0 ? axis + rank : axis });
        return;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const poolSize = this.pair(c['pool_size'], [2, 2]);
        const attrs = { poolSize, strides: this.pair(c['strides'], poolSize), padding: this.padding(layer) };
        simple(layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AvgPool', attrs);
        return;
      }
      case 'GlobalAveragePooling2D':
        if ((c['data_format'] ?? 'channels_last') !== 'channels_last')
          this.unsupported(layer, 'channels_first');
        simple('GlobalAvgPool', { keepDims: Boolean(c['keepdims'] ?? c['keep_dims'] ?? false) });
        return;
      case 'Flatten':
        simple('Flatten');
        return;
      case 'Reshape':
        simple('Reshape', { shape: shape.slice(1) });
        return;
      case 'Add':
        simple('Add');
        return;
      case 'Multiply':
        simple('Mul');
        return;
      case 'Concatenate': {
        const axis = Number(c['axis'] ?? -1);
        simple('Concat', { axis: axis < 0 ? axis + rank : axis });
        return;
      }
      case 'ZeroPadding2D': {
        const p = c['padding'] as unknown;
        const pads =
          typeof p === 'number'
            ? [
                [p, p],
                [p, p],
              ]
            : Array.isArray(p) && typeof p[0] === 'number'
              ? [
                  [p[0], p[0]],
                  [p[1], p[1]],
                ]
              : p;
        simple('Pad', { pads });
        return;
      }
      default:
        this.unsupported(
          layer,
          `no converter for this class (supported: ${SUPPORTED_LAYER_CLASSES.join(', ')})`,
        );
    }
  }
}

/** Topological order of the layers (Keras configs are usually ordered already). */
function orderLayers(layers: readonly KerasLayerEntry[]): KerasLayerEntry[] {
  const done = new Set<string>();
  const ordered: KerasLayerEntry[] = [];
  let pending = [...layers];
  while (pending.length > 0) {
    const next = pending.filter((l) => !l.inbound.every((i) => done.has(i)));
    const ready = pending.filter((l) => l.inbound.every((i) => done.has(i)));
    if (ready.length === 0)
      throw new UnsupportedError(`layers ${next.map((l) => `'${l.name}'`).join(', ')} form a cycle`);
    for (const l of ready) {
      ordered.push(l);
      done.add(l.name);
    }
    pending = next;
  }
  return ordered;
}

/** Converts a TF.js LayersModel (Sequential or functional) to a validated IR graph. */
export function fromLayersModel(model: tf.LayersModel, options: FromLayersModelOptions = {}): IrGraph {
  const topology = readTopology(model);
  const converter = new Converter(model);
  for (const layer of orderLayers(topology.layers)) {
    if (layer.className === 'Model' || layer.className === 'Sequential' || layer.className === 'Functional') {
      converter.unsupported(layer, 'nested models (flatten the model first)');
    }
    converter.convert(layer);
  }
  const graph: IrGraph = {
    name: options.name ?? topology.name,
    tensors: converter.tensors,
    nodes: converter.nodes,
    inputs: topology.inputs.map((l) => converter.outputOf.get(l)!),
    outputs: topology.outputs.map((l) => converter.outputOf.get(l)!),
    metadata: options.metadata ?? {},
  };
  return validateGraph(graph);
}
