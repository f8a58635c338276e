/**
 * Quantised IR (quantizeGraph's output) -> full-integer `.tflite` following the TFLite int8 spec:
 * int8 activations (per-tensor, asymmetric, zero point in [-128, 127]); int8 weights, symmetric
 * with zero point 0, per output channel for CONV_2D (`quantized_dimension` 0 of OHWI) and
 * DEPTHWISE_CONV_2D (dimension 3 of `[1, kh, kw, C·M]`), per tensor for FULLY_CONNECTED; int32
 * biases with scale `input_scale * weight_scale`. Pools and RESHAPE keep their input's parameters;
 * ADD reads two int8 tensors with their own parameters and writes its own (fused ReLU/ReLU6 in
 * its options). Op versions are the int8 ones (CONV_2D / DEPTHWISE_CONV_2D 3, FULLY_CONNECTED 4,
 * pools, MEAN, RELU, ADD 2). Float nodes (Softmax, anything quantizeGraph kept float) are written
 * as by the float emitter, behind DEQUANTIZE, and an int8 reader of a float value gets a QUANTIZE.
 * The model input and output are float32 with QUANTIZE / DEQUANTIZE inside the model by default;
 * `int8Io` makes them int8 tensors with the input's calibrated parameters and, for the softmax
 * output, TFLite's (1/256, -128).
 */

import { UnsupportedError } from '@edgeml/core';
import type { FusedActivation, IrGraph, IrNode, IrTensor, QuantParams } from '../../ir/types.js';
import { dequantizeTensor } from '../../passes/quantize/quant-math.js';
import { isInt8Node } from '../../passes/quantize/quantize-graph.js';
import { emitTfliteNode, padding, pool2DOptions, splitActivation } from './emit-ops.js';
import type { EmitTfliteOptions } from './emit-tflite.js';
import { finishTfliteModel, prepareTfliteExport } from './emit-tflite.js';
import { denseToOutIn, hwioToOhwi } from './layout.js';
import { TensorType } from './schema.js';
import { TfliteGraphBuilder } from './tflite-builder.js';

/** Options of emitTfliteInt8. */
export interface EmitTfliteInt8Options extends EmitTfliteOptions {
  /** int8 model input and output instead of float32 with QUANTIZE/DEQUANTIZE inside. @default false */
  readonly int8Io?: boolean;
}

function quantization(q: QuantParams, dimension = 0) {
  return { scale: q.scale, zeroPoint: q.zeroPoint, quantizedDimension: q.scale.length > 1 ? dimension : 0 };
}

/** The float graph the float emitter walks (int8/int32 initializers dequantised). */
function floatView(graph: IrGraph): IrGraph {
  const tensors: Record<string, IrTensor> = {};
  for (const [name, t] of Object.entries(graph.tensors)) {
    const data =
      t.data === undefined || t.data instanceof Float32Array ? t.data : dequantizeTensor(t.data, t.quant!);
    tensors[name] = { name, shape: t.shape, dtype: 'float32', ...(data ? { data } : {}) };
  }
  return { ...graph, tensors };
}

class Int8TfliteEmitter {
  private readonly int8 = new Map<string, number>();
  private readonly dequantized = new Set<string>();

  constructor(
    readonly graph: IrGraph,
    readonly b: TfliteGraphBuilder,
  ) {}

  /** A new int8 activation tensor holding IR tensor `ir`. */
  int8Tensor(ir: string, name: string): number {
    const t = this.graph.tensors[ir]!;
    const index = this.b.add({
      name: this.b.fresh(name),
      shape: t.shape.map((d) => (d === -1 ? this.b.batchSize : d)),
      ...(t.shape.includes(-1) ? { shapeSignature: [...t.shape] } : {}),
      type: TensorType.INT8,
      buffer: 0,
      quantization: quantization(t.quant!),
    });
    this.int8.set(ir, index);
    return index;
  }

  /** The int8 tensor of `ir`, quantising its float value on first use. */
  int8Of(ir: string): number {
    const known = this.int8.get(ir);
    if (known !== undefined) return known;
    const float = this.b.value(ir);
    const index = this.int8Tensor(ir, `${this.b.tensors[float]!.name}_int8`);
    this.b.op('QUANTIZE', [float], [index]);
    return index;
  }

  /** The float tensor of int8 `ir`, dequantising it on first use. */
  floatOf(ir: string): number {
    const float = this.b.value(ir);
    if (this.int8.has(ir) && !this.dequantized.has(ir)) {
      this.b.op('DEQUANTIZE', [this.int8.get(ir)!], [float], undefined, 2);
      this.dequantized.add(ir);
    }
    return float;
  }

  private constTensor(
    name: string,
    shape: readonly number[],
    data: Int8Array | Int32Array,
    q: QuantParams,
    dim: number,
  ): number {
    this.b.buffers.push(
      new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
    );
    return this.b.add({
      name: this.b.fresh(name),
      shape: [...shape],
      type: data instanceof Int8Array ? TensorType.INT8 : TensorType.INT32,
      buffer: this.b.buffers.length - 1,
      quantization: quantization(q, dim),
    });
  }

  private weightAndBias(node: IrNode, layout: 'ohwi' | 'depthwise' | 'outIn'): [number, number] {
    const w = this.graph.tensors[node.inputs[1]!]!;
    const bias = this.graph.tensors[node.inputs[2]!]!;
    const asFloat = Float32Array.from(w.data as Int8Array);
    const converted =
      layout === 'ohwi'
        ? hwioToOhwi(asFloat, w.shape)
        : layout === 'outIn'
          ? denseToOutIn(asFloat, w.shape)
          : { data: asFloat, shape: [1, w.shape[0]!, w.shape[1]!, w.shape[2]! * w.shape[3]!] };
    const filter = this.constTensor(
      `${node.name}/${layout === 'outIn' ? 'weights' : 'filter'}`,
      converted.shape,
      Int8Array.from(converted.data),
      w.quant!,
      layout === 'depthwise' ? 3 : 0,
    );
    // quantizeBias writes one scale per output channel even for per-tensor weights (all equal to
    // input_scale * weight_scale). TFLite's reference kernels accept that, but XNNPACK needs the
    // bias to be quantised like the filter: per tensor (a single scale) with a per-tensor filter,
    // else it skips FULLY_CONNECTED and fails to prepare a per-tensor CONV_2D ("failed to
    // delegate CONV_2D node"), and the whole model falls back to the slow builtin kernels.
    const biasQuant =
      w.quant!.scale.length === 1 ? { scale: [bias.quant!.scale[0]!], zeroPoint: [0] } : bias.quant!;
    const b = this.constTensor(`${node.name}/bias`, bias.shape, bias.data as Int32Array, biasQuant, 0);
    return [filter, b];
  }

  /** Emits one int8 node. */
  emitInt8(node: IrNode): void {
    const out = node.outputs[0]!;
    const x = this.int8Of(node.inputs[0]!);
    const y = this.int8.get(out) ?? this.int8Tensor(out, this.b.tensorName(out));
    // int8 nodes only carry none/relu/relu6 (quantizeGraph keeps the others float).
    const fused = (a: FusedActivation) => splitActivation(a).fused;
    const b = this.b;
    switch (node.op) {
      case 'Conv2D': {
        const [filter, bias] = this.weightAndBias(node, 'ohwi');
        const { strides, dilations } = node.attrs;
        b.op(
          'CONV_2D',
          [x, filter, bias],
          [y],
          {
            type: 'Conv2DOptions',
            padding: padding(node.attrs.padding),
            strideH: strides[0],
            strideW: strides[1],
            activation: fused(node.attrs.activation),
            dilationH: dilations[0],
            dilationW: dilations[1],
          },
          3,
        );
        return;
      }
      case 'DepthwiseConv2D': {
        const [filter, bias] = this.weightAndBias(node, 'depthwise');
        const { strides, dilations } = node.attrs;
        b.op(
          'DEPTHWISE_CONV_2D',
          [x, filter, bias],
          [y],
          {
            type: 'DepthwiseConv2DOptions',
            padding: padding(node.attrs.padding),
            strideH: strides[0],
            strideW: strides[1],
            depthMultiplier: node.attrs.depthMultiplier,
            activation: fused(node.attrs.activation),
            dilationH: dilations[0],
            dilationW: dilations[1],
          },
          3,
        );
        return;
      }
      case 'Dense': {
        const [weights, bias] = this.weightAndBias(node, 'outIn');
        b.op(
          'FULLY_CONNECTED',
          [x, weights, bias],
          [y],
          {
            type: 'FullyConnectedOptions',
            activation: fused(node.attrs.activation),
          },
          4,
        );
        return;
      }
      case 'MaxPool':
      case 'AvgPool': {
        b.op(
          node.op === 'MaxPool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D',
          [x],
          [y],
          pool2DOptions(node.attrs),
          2,
        );
        return;
      }
      case 'GlobalAvgPool': {
        const axes = b.int32Const(`${node.name}/axes`, [2], [1, 2]);
        b.op('MEAN', [x, axes], [y], { type: 'ReducerOptions', keepDims: node.attrs.keepDims }, 2);
        return;
      }
      case 'Flatten':
      case 'Reshape': {
        const target = [-1, ...this.graph.tensors[out]!.shape.slice(1)];
        const shape = b.int32Const(`${node.name}/shape`, [target.length], target);
        b.op('RESHAPE', [x, shape], [y], { type: 'ReshapeOptions', newShape: target });
        return;
      }
      case 'Add':
        // Int8 ADD (version 2): each input keeps its own parameters, the output has its own; a
        // fused ReLU/ReLU6 clamps in the integer domain.
        b.op(
          'ADD',
          [x, this.int8Of(node.inputs[1]!)],
          [y],
          { type: 'AddOptions', activation: fused(node.attrs.activation ?? 'none') },
          2,
        );
        return;
      case 'ReLU':
        b.op('RELU', [x], [y], undefined, 2);
        return;
      case 'ReLU6':
        b.op('RELU6', [x], [y], undefined, 2);
        return;
      default:
        throw new UnsupportedError(
          `TFLite int8 export: no int8 form for op '${node.op}' (node '${node.name}')`,
        );
    }
  }

  /** Emits one float node, dequantising its int8 inputs. */
  emitFloat(node: IrNode): void {
    for (const name of node.inputs) if (this.graph.tensors[name]!.data === undefined) this.floatOf(name);
    emitTfliteNode(this.b, node);
  }
}

/** Serialises a quantised graph as a full-integer TFLite flatbuffer; returns the file bytes. */
export function emitTfliteInt8(graph: IrGraph, options: EmitTfliteInt8Options = {}): Uint8Array {
  const names = prepareTfliteExport(graph, options);
  const { batchSize, inputName, irInput, tensorName } = names;
  const int8Io = options.int8Io ?? false;
  for (const name of [irInput, ...graph.outputs]) {
    if (int8Io && graph.tensors[name]!.quant === undefined) {
      throw new UnsupportedError(
        `'int8Io' needs quantisation parameters for '${name}'; calibrate the graph first`,
      );
    }
  }

  const b = new TfliteGraphBuilder(floatView(graph), batchSize, tensorName);
  const e = new Int8TfliteEmitter(graph, b);
  // Public tensors first, so that they get the public names.
  const input = int8Io ? e.int8Tensor(irInput, inputName) : b.value(irInput);
  const outputs = graph.outputs.map((name) =>
    int8Io ? e.int8Tensor(name, tensorName(name)) : b.value(name),
  );
  const quantizeAtEnd = int8Io ? graph.outputs.filter((name) => !isInt8Producer(graph, name)) : [];
  for (const node of graph.nodes) {
    if (isInt8Node(graph, node)) e.emitInt8(node);
    else if (int8Io && quantizeAtEnd.includes(node.outputs[0]!)) {
      e.emitFloat(node);
      b.op('QUANTIZE', [b.value(node.outputs[0]!)], [outputs[graph.outputs.indexOf(node.outputs[0]!)]!]);
    } else e.emitFloat(node);
  }
  if (!int8Io) for (const name of graph.outputs) e.floatOf(name);

  return finishTfliteModel(b, graph, names, input, outputs, options);
}

function isInt8Producer(graph: IrGraph, name: string): boolean {
  return graph.tensors[name]?.dtype === 'int8';
}
