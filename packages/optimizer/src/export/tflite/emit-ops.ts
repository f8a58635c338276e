/**
 * One IR node -> TFLite builtin operators (NHWC throughout, so no transposes). Padding is TFLite's
 * SAME/VALID, which is TF's rule (odd pixel at the end) like the IR's; AVERAGE_POOL_2D excludes the
 * padding from its count as the IR does. ReLU/ReLU6 fused into a conv/dense/add become the op's
 * `fused_activation_function`; fused sigmoid/hard-swish (no TFLite fused form) become a LOGISTIC or
 * HARD_SWISH after the op. GlobalAvgPool is MEAN over axes [1, 2]; an unfolded BatchNorm is MUL +
 * ADD with per-channel constants; Flatten/Reshape/Identity are RESHAPE with -1 for the batch.
 */

import { UnsupportedError } from '@edgeml/core';
import { floatData } from '../../ir/graph.js';
import type { FusedActivation, IrNode, PaddingMode, PoolAttrs } from '../../ir/types.js';
import { denseToOutIn, depthwiseToTflite, hwioToOhwi } from './layout.js';
import { ActivationFunctionType, Padding } from './schema.js';
import type { TfliteGraphBuilder } from './tflite-builder.js';

/** TFLite's padding enum for an IR padding mode. */
export function padding(mode: PaddingMode): number {
  return mode === 'same' ? Padding.SAME : Padding.VALID;
}

/** MAX_POOL_2D / AVERAGE_POOL_2D options of an IR pool. */
export function pool2DOptions(attrs: PoolAttrs) {
  return {
    type: 'Pool2DOptions' as const,
    padding: padding(attrs.padding),
    strideH: attrs.strides[0],
    strideW: attrs.strides[1],
    filterH: attrs.poolSize[0],
    filterW: attrs.poolSize[1],
    activation: ActivationFunctionType.NONE,
  };
}

/** The fused activation TFLite can carry in options, and the one that needs its own op after. */
export function splitActivation(activation: FusedActivation): {
  fused: number;
  after?: 'LOGISTIC' | 'HARD_SWISH';
} {
  switch (activation) {
    case 'none':
      return { fused: ActivationFunctionType.NONE };
    case 'relu':
      return { fused: ActivationFunctionType.RELU };
    case 'relu6':
      return { fused: ActivationFunctionType.RELU6 };
    case 'sigmoid':
      return { fused: ActivationFunctionType.NONE, after: 'LOGISTIC' };
    case 'hardSwish':
      return { fused: ActivationFunctionType.NONE, after: 'HARD_SWISH' };
  }
}

/** The node's bias as a tensor index, or a zero bias of `channels` when the node has none. */
function biasOf(b: TfliteGraphBuilder, node: IrNode, channels: number): number {
  const name = node.inputs[2];
  if (name !== undefined) return b.value(name);
  return b.floatConst(`${node.name}/zero_bias`, [channels], new Float32Array(channels));
}

/** Runs `emit` into the node's output, or into a temporary followed by the unfused activation. */
function withActivation(
  b: TfliteGraphBuilder,
  node: IrNode,
  activation: FusedActivation,
  emit: (output: number, fused: number) => void,
): void {
  const output = b.value(node.outputs[0]!);
  const { fused, after } = splitActivation(activation);
  if (after === undefined) {
    emit(output, fused);
    return;
  }
  const irShape = b.graph.tensors[node.outputs[0]!]!.shape;
  const pre = b.activation(`${node.name}/pre_activation`, irShape);
  emit(pre, fused);
  b.op(after, [pre], [output], after === 'HARD_SWISH' ? { type: 'HardSwishOptions' } : undefined);
}

/** RESHAPE `input` to `target` (batch first, -1 allowed) into `output`. */
function reshape(b: TfliteGraphBuilder, node: IrNode, input: number, output: number, target: number[]): void {
  const shape = b.int32Const(`${node.name}/shape`, [target.length], target);
  b.op('RESHAPE', [input, shape], [output], { type: 'ReshapeOptions', newShape: target });
}

/** Appends the operators computing `node`. */
export function emitTfliteNode(b: TfliteGraphBuilder, node: IrNode): void {
  const g = b.graph;
  const x = () => b.value(node.inputs[0]!);
  switch (node.op) {
    case 'Conv2D': {
      const wName = node.inputs[1]!;
      const w = hwioToOhwi(floatData(g, wName), g.tensors[wName]!.shape);
      const { strides, dilations } = node.attrs;
      const input = x();
      const filter = b.floatConst(`${node.name}/filter`, w.shape, w.data);
      const bias = biasOf(b, node, w.shape[0]!);
      withActivation(b, node, node.attrs.activation, (out, fused) => {
        b.op('CONV_2D', [input, filter, bias], [out], {
          type: 'Conv2DOptions',
          padding: padding(node.attrs.padding),
          strideH: strides[0],
          strideW: strides[1],
          activation: fused,
          dilationH: dilations[0],
          dilationW: dilations[1],
        });
      });
      return;
    }
    case 'DepthwiseConv2D': {
      const wName = node.inputs[1]!;
      const w = depthwiseToTflite(floatData(g, wName), g.tensors[wName]!.shape);
      const { strides, dilations, depthMultiplier } = node.attrs;
      const input = x();
      const filter = b.floatConst(`${node.name}/depthwise_filter`, w.shape, w.data);
      const bias = biasOf(b, node, w.shape[3]!);
      const dilated = dilations[0] !== 1 || dilations[1] !== 1;
      withActivation(b, node, node.attrs.activation, (out, fused) => {
        b.op(
          'DEPTHWISE_CONV_2D',
          [input, filter, bias],
          [out],
          {
            type: 'DepthwiseConv2DOptions',
            padding: padding(node.attrs.padding),
            strideH: strides[0],
            strideW: strides[1],
            depthMultiplier,
            activation: fused,
            dilationH: dilations[0],
            dilationW: dilations[1],
          },
          dilated ? 2 : 1, // dilation factors exist from version 2 on
        );
      });
      return;
    }
    case 'Dense': {
      const wName = node.inputs[1]!;
      const w = denseToOutIn(floatData(g, wName), g.tensors[wName]!.shape);
      const input = x();
      const weights = b.floatConst(`${node.name}/weights`, w.shape, w.data);
      const bias = biasOf(b, node, w.shape[0]!);
      withActivation(b, node, node.attrs.activation, (out, fused) => {
        b.op('FULLY_CONNECTED', [input, weights, bias], [out], {
          type: 'FullyConnectedOptions',
          activation: fused,
        });
      });
      return;
    }
    case 'BatchNorm': {
      const [gamma, beta, mean, variance] = node.inputs.slice(1).map((n) => floatData(g, n));
      const c = gamma!.length;
      const scale = new Float32Array(c);
      const shift = new Float32Array(c);
      for (let i = 0; i < c; i++) {
        scale[i] = gamma![i]! / Math.sqrt(variance![i]! + node.attrs.epsilon);
        shift[i] = beta![i]! - mean![i]! * scale[i]!;
      }
      const input = x();
      const scaled = b.activation(`${node.name}/scaled`, g.tensors[node.outputs[0]!]!.shape);
      const none = ActivationFunctionType.NONE;
      b.op('MUL', [input, b.floatConst(`${node.name}/scale`, [c], scale)], [scaled], {
        type: 'MulOptions',
        activation: none,
      });
      b.op('ADD', [scaled, b.floatConst(`${node.name}/shift`, [c], shift)], [b.value(node.outputs[0]!)], {
        type: 'AddOptions',
        activation: none,
      });
      return;
    }
    case 'ReLU':
      b.op('RELU', [x()], [b.value(node.outputs[0]!)]);
      return;
    case 'ReLU6':
      b.op('RELU6', [x()], [b.value(node.outputs[0]!)]);
      return;
    case 'Sigmoid':
      b.op('LOGISTIC', [x()], [b.value(node.outputs[0]!)]);
      return;
    case 'HardSwish':
      b.op('HARD_SWISH', [x()], [b.value(node.outputs[0]!)], { type: 'HardSwishOptions' });
      return;
    case 'Add':
    case 'Mul': {
      // Chains pairwise for more than two inputs: ((a + b) + c) + ...; a fused activation goes on
      // the last ADD (ReLU/ReLU6 as its fused_activation_function).
      const kind = node.op === 'Add' ? 'ADD' : 'MUL';
      const type = kind === 'ADD' ? 'AddOptions' : 'MulOptions';
      const irShape = g.tensors[node.outputs[0]!]!.shape;
      const activation = node.op === 'Add' ? (node.attrs.activation ?? 'none') : 'none';
      withActivation(b, node, activation, (output, fused) => {
        let acc = b.value(node.inputs[0]!);
        for (let i = 1; i < node.inputs.length; i++) {
          const last = i === node.inputs.length - 1;
          const target = last ? output : b.activation(`${node.name}/partial_${i}`, irShape);
          acc = b.op(kind, [acc, b.value(node.inputs[i]!)], [target], {
            type,
            activation: last ? fused : ActivationFunctionType.NONE,
          });
        }
      });
      return;
    }
    case 'MaxPool':
    case 'AvgPool': {
      b.op(
        node.op === 'MaxPool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D',
        [x()],
        [b.value(node.outputs[0]!)],
        pool2DOptions(node.attrs),
      );
      return;
    }
    case 'GlobalAvgPool': {
      const axes = b.int32Const(`${node.name}/axes`, [2], [1, 2]);
      b.op('MEAN', [x(), axes], [b.value(node.outputs[0]!)], {
        type: 'ReducerOptions',
        keepDims: node.attrs.keepDims,
      });
      return;
    }
    case 'Flatten':
    case 'Reshape':
    case 'Identity': {
      const outShape = g.tensors[node.outputs[0]!]!.shape;
      reshape(b, node, x(), b.value(node.outputs[0]!), [-1, ...outShape.slice(1)]);
      return;
    }
    case 'Concat':
      b.op(
        'CONCATENATION',
        node.inputs.map((n) => b.value(n)),
        [b.value(node.outputs[0]!)],
        {
          type: 'ConcatenationOptions',
          axis: node.attrs.axis,
          activation: ActivationFunctionType.NONE,
        },
      );
      return;
    case 'Pad': {
      const [[t, bottom], [l, r]] = node.attrs.pads;
      const pads = b.int32Const(`${node.name}/paddings`, [4, 2], [0, 0, t, bottom, l, r, 0, 0]);
      b.op('PAD', [x(), pads], [b.value(node.outputs[0]!)], { type: 'PadOptions' });
      return;
    }
    case 'Softmax': {
      const rank = g.tensors[node.inputs[0]!]!.shape.length;
      if (node.attrs.axis !== rank - 1) {
        throw new UnsupportedError(
          `TFLite SOFTMAX works on the last axis; node '${node.name}' uses axis ${node.attrs.axis} of a rank-${rank} tensor`,
          { node: node.name, axis: node.attrs.axis },
        );
      }
      b.op('SOFTMAX', [x()], [b.value(node.outputs[0]!)], { type: 'SoftmaxOptions', beta: 1 });
      return;
    }
  }
}
