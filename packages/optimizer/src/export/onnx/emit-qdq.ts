/**
 * Quantised IR (quantizeGraph's output) -> ONNX in QDQ format, arranged in the patterns onnxruntime
 * fuses into integer kernels:
 * - an int8 Conv reads `DequantizeLinear` of its quantised input, of its int8 weight (per output
 *   channel: `axis` 0 of OIHW) and of its int32 bias (scale `inputScale * weightScale`), and its
 *   output goes straight into `QuantizeLinear`: `DQ -> Conv -> Q`, fused into QLinearConv. A fused
 *   ReLU sits between Conv and Q and is absorbed because a ReLU output's range starts at 0 (zero
 *   point -128 in int8, 0 in uint8); a fused ReLU6 (Clip 0..6) likewise because its range lies
 *   inside [0, 6].
 * - an int8 Add is `DQ(a), DQ(b) -> Add [-> Relu/Clip] -> Q`, fused into QLinearAdd (com.microsoft)
 *   with each input's own parameters and the output's.
 * - an int8 Dense is `DQ -> Gemm -> Q` (fused into QGemm), pools `DQ -> MaxPool/AveragePool -> Q`
 *   (MaxPool runs on int8). GlobalAvgPool is `DQ -> GlobalAveragePool -> Flatten -> Q` and runs
 *   in float: the alternative (`GAP -> Q`, Flatten on int8) kept ORT from fusing the next Gemm.
 * - every reader gets its own DequantizeLinear (onnxruntime fuses a DQ only when it has one reader);
 *   a float value read by an int8 node (the model input, a float node's output) is quantised once.
 * - activations are stored as uint8 by default: the IR's int8 parameters with the zero point moved
 *   by +128 (same scale, the same real values, bit for bit the same arithmetic). onnxruntime's x86
 *   and WebAssembly builds have no int8-activation QLinearConv: they rewrite an int8 `Q -> DQ` pair
 *   to uint8 only when the Q has exactly one reader, so an int8 tensor read twice (a residual skip)
 *   left its convolutions in float. `activations: 'int8'` writes int8 (ARM builds run it natively).
 * - float nodes (kept float, or ops without an int8 form) read dequantised values and run as in
 *   the float emitter; weights quantised by dynamic quantisation are int8 initializers with a
 *   DequantizeLinear in front of the float Conv/Gemm.
 * The model input and outputs stay float32 (NHWC input, `probs` output), as emitOnnx writes them.
 */

import { ConfigError, formatAllowed } from '@edgeml/core';
import type onnxProto from 'onnx-proto';
import { invalidModel } from '../../ir/errors.js';
import type { IrGraph, IrNode, IrTensor } from '../../ir/types.js';
import { dequantizeTensor, roundHalfToEven } from '../../passes/quantize/quant-math.js';
import { isInt8Node } from '../../passes/quantize/quantize-graph.js';
import type { OnnxGraphBuilder } from './emit-nodes.js';
import { type EmitOnnxOptions, emitOnnxWith } from './emit-onnx.js';
import { onnx } from './proto.js';

const DataType = onnx.TensorProto.DataType;

/** An initializer of `data` (copied) stored as raw little-endian bytes. */
export function rawInitializer(
  name: string,
  dims: readonly number[],
  dataType: number,
  data: Int8Array | Uint8Array | Int32Array | Float32Array,
): onnxProto.onnx.ITensorProto {
  const copy = data.slice();
  return {
    name,
    dims: [...dims],
    dataType,
    rawData: new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength),
  };
}

/** The float graph emitOnnx can walk: int8/int32 initializers dequantised, names and nodes unchanged. */
function floatView(graph: IrGraph): IrGraph {
  const tensors: Record<string, IrTensor> = {};
  for (const [name, t] of Object.entries(graph.tensors)) {
    tensors[name] =
      t.data !== undefined && !(t.data instanceof Float32Array)
        ? { name, shape: t.shape, dtype: 'float32', data: dequantizeTensor(t.data, t.quant!) }
        : { name, shape: t.shape, dtype: 'float32', ...(t.data ? { data: t.data } : {}) };
  }
  return { ...graph, tensors };
}

/** Element type of quantised activations in the ONNX file. */
export type OnnxActivationType = 'uint8' | 'int8';

/** Options of emitOnnxQdq. */
export interface EmitOnnxQdqOptions extends EmitOnnxOptions {
  /** Element type of quantised activations (weights are always int8). @default 'uint8' */
  readonly activations?: OnnxActivationType;
}

/**
 * Emits the QDQ structure around the float emitter's nodes. The QOperator emitter extends it: it
 * shares the quantisation parameters, the input quantisation, the float nodes and the graph
 * outputs, and overrides how an int8 node is written.
 */
export class QdqEmitter {
  /** IR tensor -> the ONNX value holding its 8-bit integers. */
  protected readonly int8Values = new Map<string, string>();
  private readonly paramConsts = new Map<string, { scale: string; zeroPoint: string }>();

  constructor(
    readonly graph: IrGraph,
    readonly activations: OnnxActivationType,
  ) {}

  /** The scalar scale and (8-bit, typed as the activations) zero point initializers of activation `ir`. */
  protected params(b: OnnxGraphBuilder, ir: string): { scale: string; zeroPoint: string } {
    const known = this.paramConsts.get(ir);
    if (known) return known;
    const q = this.graph.tensors[ir]!.quant!;
    const scale = b.fresh(`${ir}/scale`);
    const zeroPoint = b.fresh(`${ir}/zero_point`);
    b.initializers.push(rawInitializer(scale, [], DataType.FLOAT, new Float32Array([q.scale[0]!])));
    const z = q.zeroPoint[0]!;
    b.initializers.push(
      this.activations === 'int8'
        ? rawInitializer(zeroPoint, [], DataType.INT8, new Int8Array([z]))
        : rawInitializer(zeroPoint, [], DataType.UINT8, new Uint8Array([z + 128])),
    );
    const consts = { scale, zeroPoint };
    this.paramConsts.set(ir, consts);
    return consts;
  }

  /**
   * The int8 ONNX value of IR tensor `ir` (quantising a float value once, on first use). A float
   * value computed by the graph (a layer kept float) is quantised with its per-tensor parameters
   * written per channel: onnxruntime's QDQPropagationTransformer moves a per-tensor QuantizeLinear
   * up through MaxPool/Reshape/Transpose, so a float `Conv -> MaxPool -> Q` became `Q -> uint8 MaxPool`
   * in NCHW plus a Transpose (measured in onnxruntime-web: 90 µs instead of 20 µs for cnn-small's
   * first pool); it only moves a Q with scalar parameters. The model input keeps the scalar form.
   */
  protected int8Of(b: OnnxGraphBuilder, ir: string): string {
    const known = this.int8Values.get(ir);
    if (known) return known;
    const t = this.graph.tensors[ir]!;
    const perChannel = !this.graph.inputs.includes(ir) && t.shape.length >= 2;
    const { scale, zeroPoint } = perChannel ? this.perChannelParams(b, ir) : this.params(b, ir);
    const q = b.node(
      'QuantizeLinear',
      [b.valueName(ir), scale, zeroPoint],
      b.fresh(`${ir}/quantized`),
      perChannel ? { axis: 1 } : {},
    );
    this.int8Values.set(ir, q);
    return q;
  }

  /** The per-tensor parameters of activation `ir` repeated once per channel (axis 1 in ONNX: the IR's last dimension). */
  private perChannelParams(b: OnnxGraphBuilder, ir: string): { scale: string; zeroPoint: string } {
    const t = this.graph.tensors[ir]!;
    const channels = t.shape[t.shape.length - 1]!;
    const q = t.quant!;
    const scale = b.fresh(`${ir}/scale_per_channel`);
    const zeroPoint = b.fresh(`${ir}/zero_point_per_channel`);
    b.initializers.push(
      rawInitializer(scale, [channels], DataType.FLOAT, new Float32Array(channels).fill(q.scale[0]!)),
    );
    const z = q.zeroPoint[0]!;
    b.initializers.push(
      this.activations === 'int8'
        ? rawInitializer(zeroPoint, [channels], DataType.INT8, new Int8Array(channels).fill(z))
        : rawInitializer(zeroPoint, [channels], DataType.UINT8, new Uint8Array(channels).fill(z + 128)),
    );
    return { scale, zeroPoint };
  }

  /** A fresh DequantizeLinear of `ir` for one reader. */
  protected dequantized(b: OnnxGraphBuilder, ir: string): string {
    const { scale, zeroPoint } = this.params(b, ir);
    return b.node('DequantizeLinear', [this.int8Of(b, ir), scale, zeroPoint], b.fresh(`${ir}/dequantized`));
  }

  /**
   * A DequantizeLinear of `ir` with its per-tensor parameters written per channel (axis 1 of the
   * NCHW / [N, K] value: the channel count is the IR shape's last dimension): the same values, in a
   * form onnxruntime's graph transformers do not treat as a quantised activation.
   */
  protected dequantizedPerChannel(b: OnnxGraphBuilder, ir: string): string {
    const { scale, zeroPoint } = this.perChannelParams(b, ir);
    return b.node('DequantizeLinear', [this.int8Of(b, ir), scale, zeroPoint], b.fresh(`${ir}/dequantized`), {
      axis: 1,
    });
  }

  private isInt8Tensor(ir: string): boolean {
    return this.graph.tensors[ir]?.dtype === 'int8' && this.graph.tensors[ir]?.data === undefined;
  }

  /**
   * Replaces the float weight/bias initializers the float emitter just wrote for `node` with int8 /
   * int32 ones behind a DequantizeLinear (inserted before the node's first ONNX node).
   */
  private quantizeConstants(b: OnnxGraphBuilder, node: IrNode, firstInit: number, firstNode: number): void {
    const w = this.graph.tensors[node.inputs[1]!]!;
    const bias = node.inputs[2] === undefined ? undefined : this.graph.tensors[node.inputs[2]]!;
    const dqNodes: onnxProto.onnx.INodeProto[] = [];
    const swap = (index: number, t: IrTensor, kind: 'weight' | 'bias') => {
      const init = b.initializers[index]!;
      const dims = (init.dims ?? []).map(Number);
      const q = t.quant!;
      const perAxis = q.scale.length > 1;
      const raw = init.rawData!;
      const float = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      let data: Int8Array | Int32Array;
      if (kind === 'bias') data = (t.data as Int32Array).slice();
      else {
        // The float emitter wrote s * q in ONNX layout: recover q (exact) with the channel of axis 0.
        const inner = float.length / (dims[0] ?? 1);
        data = new Int8Array(float.length);
        for (let i = 0; i < float.length; i++) {
          const s = q.scale[perAxis ? Math.floor(i / inner) : 0]!;
          data[i] = roundHalfToEven(float[i]! / s);
        }
      }
      const name = init.name!;
      const qName = b.fresh(`${name}_quantized`);
      b.initializers[index] = rawInitializer(
        qName,
        dims,
        kind === 'bias' ? DataType.INT32 : DataType.INT8,
        data,
      );
      const scale = b.fresh(`${name}_scale`);
      const scales = perAxis ? q.scale : [q.scale[0]!];
      b.initializers.push(
        rawInitializer(scale, perAxis ? [scales.length] : [], DataType.FLOAT, Float32Array.from(scales)),
      );
      const inputs = [qName, scale];
      if (kind === 'weight') {
        const zp = b.fresh(`${name}_zero_point`);
        b.initializers.push(
          rawInitializer(zp, perAxis ? [scales.length] : [], DataType.INT8, new Int8Array(scales.length)),
        );
        inputs.push(zp);
      }
      dqNodes.push({
        opType: 'DequantizeLinear',
        name: b.fresh(`${name}/DequantizeLinear`),
        input: inputs,
        output: [name],
        attribute: perAxis ? [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] : [],
      });
    };
    if (w.dtype === 'int8') swap(firstInit, w, 'weight');
    if (bias?.dtype === 'int32') swap(firstInit + 1, bias, 'bias');
    b.nodes.splice(firstNode, 0, ...dqNodes);
  }

  /** The float emitter's nodes for `node`, int8 weights (dynamic quantisation) behind DequantizeLinear. */
  private emitWithConstants(b: OnnxGraphBuilder, node: IrNode): void {
    const firstInit = b.initializers.length;
    const firstNode = b.nodes.length;
    b.emit(node);
    if (node.op === 'Conv2D' || node.op === 'DepthwiseConv2D' || node.op === 'Dense') {
      this.quantizeConstants(b, node, firstInit, firstNode);
    }
  }

  /** An int8 node: `DQ -> float op -> Q`, the pattern onnxruntime fuses. Sets int8Values of its output. */
  protected emitInt8(b: OnnxGraphBuilder, node: IrNode): void {
    const out = node.outputs[0]!;
    for (const input of node.inputs) {
      if (this.graph.tensors[input]!.data === undefined) b.reads.set(input, this.dequantized(b, input));
    }
    const preQuant = b.fresh(`${out}/float`);
    b.writes.set(out, preQuant);
    this.emitWithConstants(b, node);
    const { scale, zeroPoint } = this.params(b, out);
    this.int8Values.set(
      out,
      b.node('QuantizeLinear', [preQuant, scale, zeroPoint], b.fresh(`${out}/quantized`)),
    );
  }

  /** Emits one node of the quantised graph. */
  emit(b: OnnxGraphBuilder, node: IrNode): void {
    const g = this.graph;
    const out = node.outputs[0]!;
    const int8 = isInt8Node(g, node);
    if (int8) this.emitInt8(b, node);
    else {
      // A float node reads its int8 inputs dequantised. A float Conv/Gemm with float weights (kept
      // float) reads them through a per-axis DequantizeLinear (the one scale repeated per channel):
      // onnxruntime's WeightBiasQuantization transformer quantises the float weights of a Conv/Gemm
      // whose input comes from a per-tensor DequantizeLinear (symmetric, per tensor) and the node
      // then runs as QLinearConv/QGemm, so "kept float" would not be float in onnxruntime.
      const keptFloatCompute =
        (node.op === 'Conv2D' || node.op === 'DepthwiseConv2D' || node.op === 'Dense') &&
        g.tensors[node.inputs[1]!]!.dtype === 'float32';
      for (const input of node.inputs) {
        if (!this.isInt8Tensor(input)) continue;
        b.reads.set(
          input,
          keptFloatCompute ? this.dequantizedPerChannel(b, input) : this.dequantized(b, input),
        );
      }
      this.emitWithConstants(b, node);
    }
    b.reads.clear();
    b.writes.clear();
    // A graph output that is int8 is dequantised into the value emitOnnx exposes.
    if (int8 && g.outputs.includes(out)) {
      const { scale, zeroPoint } = this.params(b, out);
      b.node('DequantizeLinear', [this.int8Values.get(out)!, scale, zeroPoint], b.valueName(out));
    }
  }

  /** Tensors read by an int8 node whose quantisation parameters are missing (a bug upstream). */
  missingParams(): string[] {
    const g = this.graph;
    return g.nodes
      .filter((node) => isInt8Node(g, node))
      .flatMap((node) => node.inputs.filter((name) => g.tensors[name]?.data === undefined))
      .filter((name) => g.tensors[name]?.quant === undefined);
  }
}

/**
 * Serialises a quantised graph with `makeEmitter`'s emitter (QDQ or QOperator) after checking the
 * options and the graph's quantisation parameters; returns the protobuf bytes.
 */
export function emitQuantizedOnnx(
  graph: IrGraph,
  options: EmitOnnxQdqOptions,
  makeEmitter: (graph: IrGraph, activations: OnnxActivationType) => QdqEmitter,
): Uint8Array {
  const activations = options.activations ?? 'uint8';
  if (activations !== 'uint8' && activations !== 'int8') {
    throw new ConfigError(
      `'activations' must be ${formatAllowed(['uint8', 'int8'])}, got ${JSON.stringify(activations)}`,
    );
  }
  const emitter = makeEmitter(graph, activations);
  const missing = emitter.missingParams();
  if (missing.length > 0) {
    throw invalidModel(`int8 nodes read tensors without quantisation parameters: ${missing.join(', ')}`);
  }
  return emitOnnxWith(floatView(graph), options, (b, node) => emitter.emit(b, node));
}

/** Serialises a quantised graph as an ONNX QDQ model (opset 13); returns the protobuf bytes. */
export function emitOnnxQdq(graph: IrGraph, options: EmitOnnxQdqOptions = {}): Uint8Array {
  return emitQuantizedOnnx(graph, options, (g, activations) => new QdqEmitter(g, activations));
}
