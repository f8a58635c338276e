/**
 * One IR node -> ONNX nodes (opset 13), in NCHW. Convolution and pool padding is written as explicit
 * `pads` computed from the static input size with TF's 'same' rule (odd pixel at the end), so no
 * `auto_pad` ambiguity remains. An activation fused into a node (conv, dense, add) is its own node
 * after it. ReLU6 is `Clip` with min/max inputs (opset 13); HardSwish is
 * `x * HardSigmoid(x; alpha 1/6, beta 0.5)` because the HardSwish op needs opset 14.
 */

import { UnsupportedError } from '@edgeml/core';
import type onnxProto from 'onnx-proto';
import { floatData } from '../../ir/graph.js';
import { samePadding } from '../../ir/shape-inference.js';
import type { FusedActivation, IrGraph, IrNode, PaddingMode } from '../../ir/types.js';
import {
  depthwiseToOihw,
  hwioToOihw,
  NCHW_TO_NHWC,
  NHWC_TO_NCHW,
  onnxAxis,
  onnxShape,
  sameMemoryOrder,
} from './layout.js';
import { attribute, floatInitializer, int64Initializer, type OnnxAttributeValue } from './proto.js';

/** Accumulates the ONNX graph under construction. */
export class OnnxGraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  /** Per-node overrides of the ONNX value an IR input is read from (set by the int8 QDQ emitter). */
  readonly reads = new Map<string, string>();
  /** Per-node overrides of the ONNX value an IR output is written to (set by the int8 QDQ emitter). */
  readonly writes = new Map<string, string>();
  private readonly names = new Set<string>();

  constructor(
    readonly graph: IrGraph,
    /** IR tensor name -> ONNX value name (graph outputs are renamed, e.g. to `probs`). */
    readonly valueName: (irName: string) => string,
  ) {
    for (const name of Object.keys(graph.tensors)) this.names.add(name);
  }

  /** A fresh ONNX value/node name derived from `base`. */
  /**
   * `x` (NCHW inside the graph) in TF.js's NHWC element order, as Flatten and Reshape need it: a
   * Transpose, unless the two orders coincide (H*W = 1 or C = 1).
   */
  inNhwcOrder(x: string, nhwcShape: readonly number[], nodeName: string): string {
    if (sameMemoryOrder(nhwcShape)) return x;
    return this.node('Transpose', [x], this.fresh(`${nodeName}/nhwc`), { perm: [...NCHW_TO_NHWC] }, nodeName);
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node (of the default ONNX domain, or `domain`); returns its (single) output name. */
  node(
    op: string,
    inputs: string[],
    output: string,
    attrs: Record<string, OnnxAttributeValue> = {},
    name = output,
    domain?: string,
  ): string {
    this.nodes.push({
      opType: op,
      ...(domain ? { domain } : {}),
      name: this.fresh(`${name}/${op}`),
      input: inputs,
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Adds a float initializer under a fresh name. */
  floatConst(base: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(base);
    this.initializers.push(floatInitializer(name, dims, data));
    return name;
  }

  /** Adds an int64 initializer under a fresh name. */
  int64Const(base: string, values: readonly number[]): string {
    const name = this.fresh(base);
    this.initializers.push(int64Initializer(name, values));
    return name;
  }

  private scalar(value: number): string {
    const name = `const_${value}`;
    if (!this.initializers.some((t) => t.name === name)) {
      this.names.add(name);
      this.initializers.push(floatInitializer(name, [], new Float32Array([value])));
    }
    return name;
  }

  /** Applies an activation to `x`, writing `output`. */
  activation(kind: FusedActivation, x: string, output: string, name: string): string {
    switch (kind) {
      case 'none':
        return this.node('Identity', [x], output, {}, name);
      case 'relu':
        return this.node('Relu', [x], output, {}, name);
      case 'relu6':
        return this.node('Clip', [x, this.scalar(0), this.scalar(6)], output, {}, name);
      case 'sigmoid':
        return this.node('Sigmoid', [x], output, {}, name);
      case 'hardSwish': {
        const gate = this.node(
          'HardSigmoid',
          [x],
          this.fresh(`${name}/hard_sigmoid`),
          { alpha: { float: 1 / 6 }, beta: { float: 0.5 } },
          name,
        );
        return this.node('Mul', [x, gate], output, {}, name);
      }
    }
  }

  /** Explicit NCHW `pads` of a window over the (NHWC) input of `node` with TF's padding rule. */
  private pads2d(
    node: IrNode,
    padding: PaddingMode,
    kernel: readonly number[],
    strides: readonly number[],
    dilations: readonly number[],
  ): number[] {
    if (padding === 'valid') return [0, 0, 0, 0];
    const inShape = this.graph.tensors[node.inputs[0]!]!.shape;
    const [top, bottom] = samePadding(inShape[1]!, kernel[0]!, strides[0]!, dilations[0]!);
    const [left, right] = samePadding(inShape[2]!, kernel[1]!, strides[1]!, dilations[1]!);
    return [top, left, bottom, right];
  }

  /** The ONNX Conv attributes of a Conv2D / DepthwiseConv2D node (QLinearConv takes the same). */
  convAttributes(node: IrNode & { op: 'Conv2D' | 'DepthwiseConv2D' }): Record<string, OnnxAttributeValue> {
    const wShape = this.graph.tensors[node.inputs[1]!]!.shape;
    const { strides, dilations, padding } = node.attrs;
    const kernel = [wShape[0]!, wShape[1]!];
    return {
      kernel_shape: kernel,
      strides: [...strides],
      dilations: [...dilations],
      pads: this.pads2d(node, padding, kernel, strides, dilations),
      group: node.op === 'DepthwiseConv2D' ? wShape[2]! : 1,
    };
  }

  /** The ONNX MaxPool / AveragePool attributes of a pool node (QLinearAveragePool takes the same). */
  poolAttributes(node: IrNode & { op: 'MaxPool' | 'AvgPool' }): Record<string, OnnxAttributeValue> {
    const { poolSize, strides, padding } = node.attrs;
    const attrs: Record<string, OnnxAttributeValue> = {
      kernel_shape: [...poolSize],
      strides: [...strides],
      pads: this.pads2d(node, padding, poolSize, strides, [1, 1]),
    };
    if (node.op === 'AvgPool') attrs['count_include_pad'] = 0;
    return attrs;
  }

  /** Emits one IR node. */
  emit(node: IrNode): void {
    const g = this.graph;
    const input = (i: number) => this.reads.get(node.inputs[i]!) ?? this.valueName(node.inputs[i]!);
    const out = this.writes.get(node.outputs[0]!) ?? this.valueName(node.outputs[0]!);
    const inShape = g.tensors[node.inputs[0]!]!.shape;
    const outShape = g.tensors[node.outputs[0]!]!.shape;
    switch (node.op) {
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const wShape = g.tensors[node.inputs[1]!]!.shape;
        const w = (node.op === 'DepthwiseConv2D' ? depthwiseToOihw : hwioToOihw)(
          floatData(g, node.inputs[1]!),
          wShape,
        );
        const inputs = [input(0), this.floatConst(`${node.name}/W`, w.dims, w.data)];
        if (node.inputs[2] !== undefined)
          inputs.push(this.floatConst(`${node.name}/B`, [w.dims[0]!], floatData(g, node.inputs[2])));
        const { activation } = node.attrs;
        const convOut = activation === 'none' ? out : this.fresh(`${node.name}/conv`);
        this.node('Conv', inputs, convOut, this.convAttributes(node), node.name);
        if (activation !== 'none') this.activation(activation, convOut, out, node.name);
        return;
      }
      case 'Dense': {
        const wShape = g.tensors[node.inputs[1]!]!.shape;
        const inputs = [input(0), this.floatConst(`${node.name}/W`, wShape, floatData(g, node.inputs[1]!))];
        if (node.inputs[2] !== undefined)
          inputs.push(this.floatConst(`${node.name}/B`, [wShape[1]!], floatData(g, node.inputs[2])));
        const gemmOut = node.attrs.activation === 'none' ? out : this.fresh(`${node.name}/gemm`);
        this.node('Gemm', inputs, gemmOut, {}, node.name);
        if (node.attrs.activation !== 'none') this.activation(node.attrs.activation, gemmOut, out, node.name);
        return;
      }
      case 'BatchNorm': {
        const params = node.inputs
          .slice(1)
          .map((n, i) =>
            this.floatConst(
              `${node.name}/${['scale', 'B', 'mean', 'var'][i]}`,
              [g.tensors[n]!.shape[0]!],
              floatData(g, n),
            ),
          );
        this.node(
          'BatchNormalization',
          [input(0), ...params],
          out,
          { epsilon: { float: node.attrs.epsilon } },
          node.name,
        );
        return;
      }
      case 'ReLU':
        this.activation('relu', input(0), out, node.name);
        return;
      case 'ReLU6':
        this.activation('relu6', input(0), out, node.name);
        return;
      case 'Sigmoid':
        this.activation('sigmoid', input(0), out, node.name);
        return;
      case 'HardSwish':
        this.activation('hardSwish', input(0), out, node.name);
        return;
      case 'Identity':
        this.node('Identity', [input(0)], out, {}, node.name);
        return;
      case 'Add':
      case 'Mul': {
        const ranks = node.inputs.map((n) => g.tensors[n]!.shape.length);
        if (ranks.some((r) => r !== ranks[0])) {
          throw new UnsupportedError(
            `node '${node.name}' (${node.op}): ONNX export needs inputs of equal rank, got ${ranks.join(', ')}`,
          );
        }
        const activation = node.op === 'Add' ? (node.attrs.activation ?? 'none') : 'none';
        const sum = activation === 'none' ? out : this.fresh(`${node.name}/sum`);
        let acc = input(0);
        for (let i = 1; i < node.inputs.length; i++) {
          acc = this.node(
            node.op,
            [acc, input(i)],
            i === node.inputs.length - 1 ? sum : this.fresh(`${node.name}/partial`),
            {},
            node.name,
          );
        }
        if (activation !== 'none') this.activation(activation, sum, out, node.name);
        return;
      }
      case 'MaxPool':
      case 'AvgPool':
        this.node(
          node.op === 'MaxPool' ? 'MaxPool' : 'AveragePool',
          [input(0)],
          out,
          this.poolAttributes(node),
          node.name,
        );
        return;
      case 'GlobalAvgPool': {
        if (node.attrs.keepDims) {
          this.node('GlobalAveragePool', [input(0)], out, {}, node.name);
        } else {
          const pooled = this.node(
            'GlobalAveragePool',
            [input(0)],
            this.fresh(`${node.name}/pooled`),
            {},
            node.name,
          );
          this.node('Flatten', [pooled], out, { axis: 1 }, node.name);
        }
        return;
      }
      case 'Flatten': {
        // TF.js flattens NHWC in (h, w, c) order: go back to NHWC first unless the orders coincide.
        const x = this.inNhwcOrder(input(0), inShape, node.name);
        this.node('Flatten', [x], out, { axis: 1 }, node.name);
        return;
      }
      case 'Reshape': {
        const x = this.inNhwcOrder(input(0), inShape, node.name);
        const target = [-1, ...outShape.slice(1)];
        if (sameMemoryOrder(outShape)) {
          this.node(
            'Reshape',
            [x, this.int64Const(`${node.name}/shape`, onnxShape(target))],
            out,
            {},
            node.name,
          );
        } else {
          const nhwc = this.node(
            'Reshape',
            [x, this.int64Const(`${node.name}/shape`, target)],
            this.fresh(`${node.name}/reshaped`),
            {},
            node.name,
          );
          this.node('Transpose', [nhwc], out, { perm: [...NHWC_TO_NCHW] }, node.name);
        }
        return;
      }
      case 'Concat':
        this.node(
          'Concat',
          node.inputs.map((_n, i) => input(i)),
          out,
          { axis: onnxAxis(node.attrs.axis, inShape.length) },
          node.name,
        );
        return;
      case 'Pad': {
        const [[t, b], [l, r]] = node.attrs.pads;
        this.node(
          'Pad',
          [input(0), this.int64Const(`${node.name}/pads`, [0, 0, t, l, 0, 0, b, r])],
          out,
          { mode: 'constant' },
          node.name,
        );
        return;
      }
      case 'Softmax':
        this.node('Softmax', [input(0)], out, { axis: onnxAxis(node.attrs.axis, inShape.length) }, node.name);
        return;
    }
  }
}
