/**
 * Quantised IR (quantizeGraph's output) -> ONNX in QOperator format: the integer operators are
 * written directly instead of QDQ patterns for onnxruntime to fuse.
 * - the float NHWC input goes through emitOnnx's Transpose to NCHW, then `QuantizeLinear` (once per
 *   float value an int8 node reads, as in the QDQ emitter);
 * - Conv2D / DepthwiseConv2D are `QLinearConv` (depthwise with `group` = C) with int8 OIHW weights
 *   per output channel (one scalar zero point 0 shared by every weight) and the int32 bias;
 * - Dense is `QGemm` (com.microsoft) with the int32 bias as C: one integer product plus bias and a
 *   single requantisation, exactly the integer reference. The standard alternative,
 *   `QLinearMatMul -> QLinearAdd`, rounds twice (the product is requantised before the bias is
 *   added) and needs a calibrated range for the product that the IR does not have;
 * - Add is `QLinearAdd` (com.microsoft), AvgPool `QLinearAveragePool`, GlobalAvgPool
 *   `QLinearGlobalAveragePool` (com.microsoft, NCHW: `channels_last` 0) then Flatten on the 8-bit
 *   values; an int8 ReLU/ReLU6 node (requantised to its own parameters) is `QLinearLeakyRelu`
 *   (com.microsoft) with alpha 0; MaxPool, Flatten, Reshape (and their Transposes) run on the
 *   8-bit tensor as the float emitter writes them;
 * - a fused ReLU / ReLU6 (conv, dense, add) is the output's range: quantizeGraph gives a ReLU output
 *   a range starting at 0 (zero point -128) and a ReLU6 output one inside [0, 6], so saturation to
 *   the 8-bit range is the activation. Where the integer reference's bounds (activationBounds) are
 *   tighter than that (a range wider than the activation's), a `Clip` on the 8-bit values keeps it exact;
 * - `DequantizeLinear` (one per int8 value) feeds every float node (Softmax, nodes kept float) and
 *   an int8 graph output. Float nodes, and dynamic quantisation's int8 weights, are written as in the
 *   QDQ emitter.
 * Activations are uint8 by default (the IR's zero points moved by +128), int8 on request, as in
 * emitOnnxQdq: onnxruntime-node on x86 runs an int8 file's QLinearConv between extra
 * DequantizeLinear/QuantizeLinear conversions to uint8 (profiled), ARM builds natively. The file
 * imports the com.microsoft domain; onnxruntime-node and onnxruntime-web (wasm) both run every
 * kernel above (qoperator.test.ts).
 */

import { UnsupportedError } from '@edgeml/core';
import type { FusedActivation, IrGraph, IrNode } from '../../ir/types.js';
import { activationBounds } from '../../passes/quantize/int8-kernels.js';
import { INT8_MAX, INT8_MIN } from '../../passes/quantize/quant-math.js';
import type { OnnxGraphBuilder } from './emit-nodes.js';
import { ONNX_MS_DOMAIN } from './emit-onnx.js';
import { type EmitOnnxQdqOptions, emitQuantizedOnnx, QdqEmitter, rawInitializer } from './emit-qdq.js';
import { depthwiseToOihw, hwioToOihw } from './layout.js';
import { onnx } from './proto.js';

const DataType = onnx.TensorProto.DataType;

/** Options of emitOnnxQOperator (those of emitOnnxQdq). */
export type EmitOnnxQOperatorOptions = EmitOnnxQdqOptions;

/** Writes int8 nodes as QOperator nodes; everything else as the QDQ emitter does. */
class QOperatorEmitter extends QdqEmitter {
  private readonly floatValues = new Map<string, string>();
  private readonly paramsByValue = new Map<string, { scale: string; zeroPoint: string }>();
  private weightZeroPoint: string | undefined;

  /**
   * One scale/zero-point pair per distinct value: pools, Flatten and Reshape keep their input's
   * parameters, so their outputs share its initializers.
   */
  protected override params(b: OnnxGraphBuilder, ir: string): { scale: string; zeroPoint: string } {
    const q = this.graph.tensors[ir]!.quant!;
    const key = `${q.scale[0]}/${q.zeroPoint[0]}`;
    const known = this.paramsByValue.get(key);
    if (known) return known;
    const params = super.params(b, ir);
    this.paramsByValue.set(key, params);
    return params;
  }

  /** One DequantizeLinear per int8 value, shared by its float readers (nothing is fused here). */
  protected override dequantized(b: OnnxGraphBuilder, ir: string): string {
    const known = this.floatValues.get(ir);
    if (known) return known;
    const value = super.dequantized(b, ir);
    this.floatValues.set(ir, value);
    return value;
  }

  /** A scalar 8-bit constant holding the int8 value `q` in the file's activation type. */
  private activationConst(b: OnnxGraphBuilder, base: string, q: number): string {
    const name = b.fresh(base);
    b.initializers.push(
      this.activations === 'int8'
        ? rawInitializer(name, [], DataType.INT8, new Int8Array([q]))
        : rawInitializer(name, [], DataType.UINT8, new Uint8Array([q + 128])),
    );
    return name;
  }

  /** The int8 weight (ONNX layout), its scales, zero point and the int32 bias of a conv/dense node. */
  private constants(
    b: OnnxGraphBuilder,
    node: IrNode & { op: 'Conv2D' | 'DepthwiseConv2D' | 'Dense' },
  ): { weight: string; scale: string; zeroPoint: string; bias: string } {
    const w = this.graph.tensors[node.inputs[1]!]!;
    const bias = this.graph.tensors[node.inputs[2]!];
    if (!(w.data instanceof Int8Array) || !(bias?.data instanceof Int32Array)) {
      throw new UnsupportedError(`node '${node.name}' (${node.op}) needs an int8 weight and an int32 bias`);
    }
    const oihw =
      node.op === 'Dense'
        ? { data: w.data, dims: [...w.shape] }
        : (node.op === 'DepthwiseConv2D' ? depthwiseToOihw : hwioToOihw)(w.data, w.shape);
    const weight = b.fresh(`${node.name}/W`);
    b.initializers.push(rawInitializer(weight, oihw.dims, DataType.INT8, oihw.data));
    const scales = w.quant!.scale;
    const scale = b.fresh(`${node.name}/W_scale`);
    b.initializers.push(
      rawInitializer(
        scale,
        scales.length > 1 ? [scales.length] : [],
        DataType.FLOAT,
        Float32Array.from(scales),
      ),
    );
    const biasName = b.fresh(`${node.name}/B`);
    b.initializers.push(rawInitializer(biasName, [bias.data.length], DataType.INT32, bias.data));
    // Weights are symmetric: one scalar zero point serves every QLinearConv and QGemm.
    if (this.weightZeroPoint === undefined) {
      this.weightZeroPoint = b.fresh('weight_zero_point');
      b.initializers.push(rawInitializer(this.weightZeroPoint, [], DataType.INT8, new Int8Array([0])));
    }
    return { weight, scale, zeroPoint: this.weightZeroPoint, bias: biasName };
  }

  /** Emits an int8 node as its integer operator; sets int8Values of its output. */
  protected override emitInt8(b: OnnxGraphBuilder, node: IrNode): void {
    const out = node.outputs[0]!;
    const x = node.inputs[0]!;
    const xq = this.int8Of(b, x);
    const xp = this.params(b, x);
    const yp = this.params(b, out);
    const y = b.fresh(`${out}_q`);
    let activation: FusedActivation = 'none';
    switch (node.op) {
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const c = this.constants(b, node);
        const inputs = [xq, xp.scale, xp.zeroPoint, c.weight, c.scale, c.zeroPoint, yp.scale, yp.zeroPoint];
        b.node('QLinearConv', [...inputs, c.bias], y, b.convAttributes(node), node.name);
        activation = node.attrs.activation;
        break;
      }
      case 'Dense': {
        const c = this.constants(b, node);
        const inputs = [xq, xp.scale, xp.zeroPoint, c.weight, c.scale, c.zeroPoint, c.bias];
        b.node('QGemm', [...inputs, yp.scale, yp.zeroPoint], y, {}, node.name, ONNX_MS_DOMAIN);
        activation = node.attrs.activation;
        break;
      }
      case 'Add': {
        const second = node.inputs[1]!;
        const bp = this.params(b, second);
        const inputs = [xq, xp.scale, xp.zeroPoint, this.int8Of(b, second), bp.scale, bp.zeroPoint];
        b.node('QLinearAdd', [...inputs, yp.scale, yp.zeroPoint], y, {}, node.name, ONNX_MS_DOMAIN);
        activation = node.attrs.activation ?? 'none';
        break;
      }
      case 'ReLU':
      case 'ReLU6':
        b.node(
          'QLinearLeakyRelu',
          [xq, xp.scale, xp.zeroPoint, yp.scale, yp.zeroPoint],
          y,
          { alpha: { float: 0 } },
          node.name,
          ONNX_MS_DOMAIN,
        );
        activation = node.op === 'ReLU' ? 'relu' : 'relu6';
        break;
      case 'AvgPool':
        b.node(
          'QLinearAveragePool',
          [xq, xp.scale, xp.zeroPoint, yp.scale, yp.zeroPoint],
          y,
          b.poolAttributes(node),
          node.name,
          ONNX_MS_DOMAIN,
        );
        break;
      case 'GlobalAvgPool': {
        const pooled = node.attrs.keepDims ? y : b.fresh(`${out}/pooled`);
        b.node(
          'QLinearGlobalAveragePool',
          [xq, xp.scale, xp.zeroPoint, yp.scale, yp.zeroPoint],
          pooled,
          { channels_last: 0 },
          node.name,
          ONNX_MS_DOMAIN,
        );
        if (!node.attrs.keepDims) b.node('Flatten', [pooled], y, { axis: 1 }, node.name);
        break;
      }
      case 'MaxPool':
      case 'Flatten':
      case 'Reshape':
        // Layout and selection only: the float emitter's nodes, run on the 8-bit values.
        b.reads.set(x, xq);
        b.writes.set(out, y);
        b.emit(node);
        break;
      default:
        throw new UnsupportedError(`no QOperator form for int8 op '${node.op}' (node '${node.name}')`);
    }
    // The integer reference clamps to the activation's bounds; saturation covers them unless the
    // output's range is wider than the activation's.
    const [lo, hi] = activationBounds(activation, this.graph.tensors[out]!.quant!);
    let result = y;
    if (lo > INT8_MIN || hi < INT8_MAX) {
      result = b.node(
        'Clip',
        [y, this.activationConst(b, `${out}/min`, lo), this.activationConst(b, `${out}/max`, hi)],
        b.fresh(`${out}_clipped`),
        {},
        node.name,
      );
    }
    this.int8Values.set(out, result);
  }
}

/**
 * Serialises a quantised graph as an ONNX model in QOperator format (opset 13 + com.microsoft 1);
 * returns the protobuf bytes.
 */
export function emitOnnxQOperator(graph: IrGraph, options: EmitOnnxQOperatorOptions = {}): Uint8Array {
  return emitQuantizedOnnx(graph, options, (g, activations) => new QOperatorEmitter(g, activations));
}
