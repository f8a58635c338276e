/**
 * lowerGraph: an IR graph (float, or quantised by quantizeGraph) to a Program of kernel calls.
 * Batch 1, NHWC. Each tensor is held as float32 (`f:` buffers) or int8 (`q:` buffers); a value
 * crossing between a float node and an int8 node is quantised or dequantised with its tensor's
 * parameters, exactly where the integer reference interpreter does it. Reshape, Flatten and
 * Identity share their input's memory. Any op without a kernel is refused with an UnsupportedError
 * naming the op and the node.
 */

import { UnsupportedError } from '@edgeml/core';
import {
  convOutputSize,
  type FusedActivation,
  type IrGraph,
  type IrNode,
  type IrTensor,
  inferShapes,
  type PaddingMode,
  type QuantParams,
  samePadding,
} from '@edgeml/optimizer';
import {
  activationBounds,
  depthwiseWeights,
  paddedBias,
  pairedConvWeights,
  requantMultipliers,
  roundUp,
} from './int8-layouts.js';
import type {
  BufferType,
  KernelArg,
  Program,
  ProgramBuffer,
  ProgramConstant,
  ProgramStep,
} from './program.js';

/** Activation codes of the kernels. */
const ACTIVATION_CODE: Record<FusedActivation, number> = {
  none: 0,
  relu: 1,
  relu6: 2,
  sigmoid: 3,
  hardSwish: 4,
};

/** Ops the float32 kernels cover. */
export const FLOAT32_OPS: readonly string[] = [
  'Conv2D',
  'DepthwiseConv2D',
  'Dense',
  'BatchNorm',
  'ReLU',
  'ReLU6',
  'Sigmoid',
  'HardSwish',
  'Add',
  'Mul',
  'MaxPool',
  'AvgPool',
  'GlobalAvgPool',
  'Flatten',
  'Reshape',
  'Concat',
  'Pad',
  'Softmax',
  'Identity',
];

/** Ops the int8 kernels cover (nodes whose output quantizeGraph made int8). */
export const INT8_OPS: readonly string[] = [
  'Conv2D',
  'DepthwiseConv2D',
  'Dense',
  'MaxPool',
  'AvgPool',
  'GlobalAvgPool',
  'Flatten',
  'Reshape',
  'Identity',
  'Add',
  'ReLU',
  'ReLU6',
];

const i32 = (value: number): KernelArg => ({ kind: 'i32', value });
const f64 = (value: number): KernelArg => ({ kind: 'f64', value });
const buf = (name: string): KernelArg => ({ kind: 'buffer', name });
const cst = (name: string): KernelArg => ({ kind: 'constant', name });

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function dequantize(data: Int8Array | Int32Array, q: QuantParams): Float32Array {
  const out = new Float32Array(data.length);
  const c = q.scale.length;
  for (let i = 0; i < data.length; i++) {
    const k = c === 1 ? 0 : i % c;
    out[i] = q.scale[k]! * (data[i]! - q.zeroPoint[k]!);
  }
  return out;
}

function geometry(
  h: number,
  w: number,
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilations: readonly [number, number],
  padding: PaddingMode,
) {
  return {
    oh: convOutputSize(h, kernel[0], strides[0], dilations[0], padding),
    ow: convOutputSize(w, kernel[1], strides[1], dilations[1], padding),
    top: padding === 'same' ? samePadding(h, kernel[0], strides[0], dilations[0])[0] : 0,
    left: padding === 'same' ? samePadding(w, kernel[1], strides[1], dilations[1])[0] : 0,
  };
}

class ProgramBuilder {
  readonly buffers = new Map<string, ProgramBuffer>();
  readonly constants: ProgramConstant[] = [];
  readonly steps: ProgramStep[] = [];
  private readonly constantNames = new Set<string>();
  private node = '';

  constructor(
    private readonly graph: IrGraph,
    private readonly shapes: ReadonlyMap<string, readonly number[]>,
  ) {}

  at(node: string): void {
    this.node = node;
  }

  shape(tensor: string): readonly number[] {
    return this.shapes.get(tensor)!;
  }

  tensor(name: string): IrTensor {
    return this.graph.tensors[name]!;
  }

  buffer(name: string, type: BufferType, length: number, aliasOf?: string): string {
    if (!this.buffers.has(name))
      this.buffers.set(name, { name, type, length, ...(aliasOf ? { aliasOf } : {}) });
    return name;
  }

  constant(name: string, data: Float32Array | Float64Array | Int32Array | Int16Array | Int8Array): string {
    let unique = name;
    for (let i = 1; this.constantNames.has(unique); i++) unique = `${name}#${i}`;
    this.constantNames.add(unique);
    this.constants.push({
      name: unique,
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return unique;
  }

  step(kernel: string, args: KernelArg[]): void {
    const reads: string[] = [];
    const writes: string[] = [];
    // By convention the last buffer argument a kernel writes is its output; scratch is both.
    const buffers = args.filter((a): a is { kind: 'buffer'; name: string } => a.kind === 'buffer');
    for (const [i, a] of buffers.entries()) (i === buffers.length - 1 ? writes : reads).push(a.name);
    this.steps.push({ kernel, args, reads, writes, node: this.node });
  }

  /** A float32 copy of an initializer (int8/int32 data dequantised). */
  floatConstant(name: string): Float32Array {
    const t = this.tensor(name);
    if (t.data instanceof Float32Array) return t.data;
    if (t.data === undefined || t.quant === undefined) {
      throw new UnsupportedError(`tensor '${name}' has no float32 data or quantisation parameters`, {
        tensor: name,
      });
    }
    return dequantize(t.data, t.quant);
  }
}

/** `metadata.props` key where readInt8Onnx records the file's activation type ('uint8' or 'int8'). */
export const ONNX_ACTIVATIONS_PROP = 'onnx_activations';

/** The arithmetic of the int8 kernels (see assembly/kernels-i8.ts). */
export type Int8Arithmetic = 'reference' | 'onnxruntime';

/** Options of lowerGraph. */
export interface LowerGraphOptions {
  /**
   * 'reference': the integer reference's (float64 requantisation multipliers, halves rounded up);
   * 'onnxruntime': onnxruntime's (float32 multipliers `f32(f32(inScale * weightScale) / outScale)`,
   * float32 products, halves to even). @default 'reference'
   */
  readonly int8Arithmetic?: Int8Arithmetic;
}

/** Lowers `graph` (one float32 input, one output; batch 1) to a Program. */
export function lowerGraph(graph: IrGraph, options: LowerGraphOptions = {}): Program {
  const ortArithmetic = options.int8Arithmetic === 'onnxruntime';
  // onnxruntime's QLinearAdd computes in the file's 8-bit domain: uint8 (the IR's int8 + 128)
  // unless readInt8Onnx recorded int8 activations.
  const activationOffset = graph.metadata.props?.[ONNX_ACTIVATIONS_PROP] === 'int8' ? 0 : 128;
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new UnsupportedError(
      `edgeml compile takes a model with one input and one output, '${graph.name}' has ${graph.inputs.length} and ${graph.outputs.length}`,
    );
  }
  const shaped = inferShapes(graph);
  const shapes = new Map<string, readonly number[]>();
  for (const [name, t] of Object.entries(shaped.tensors)) {
    shapes.set(
      name,
      t.shape.map((d, i) => (i === 0 && t.data === undefined && d === -1 ? 1 : d)),
    );
  }
  const b = new ProgramBuilder(graph, shapes);
  const ops: Record<string, number> = {};
  const int8 = graph.nodes.some((n) => graph.tensors[n.outputs[0]!]?.dtype === 'int8');

  const inputName = graph.inputs[0]!;
  const inputShape = shapes.get(inputName)!;
  if (inputShape.length !== 4 || inputShape[0] !== 1) {
    throw new UnsupportedError(
      `edgeml compile takes an NHWC image input, '${inputName}' has shape [${graph.tensors[inputName]!.shape.join(', ')}]`,
    );
  }
  const inputBuffer = b.buffer(`f:${inputName}`, 'float32', product(inputShape));

  /** The buffer holding `tensor` as float32 (a constant argument for initializers), converting when needed. */
  const asFloat = (tensor: string): KernelArg => {
    const t = b.tensor(tensor);
    if (t.data !== undefined) return cst(b.constant(tensor, b.floatConstant(tensor)));
    const name = `f:${tensor}`;
    if (b.buffers.has(name)) return buf(name);
    const q = `q:${tensor}`;
    if (!b.buffers.has(q)) throw new UnsupportedError(`tensor '${tensor}' is read before it is computed`);
    const n = product(b.shape(tensor));
    b.buffer(name, 'float32', n);
    b.step('dequantize_i8_f32', [
      buf(q),
      buf(name),
      i32(n),
      f64(t.quant!.scale[0]!),
      i32(t.quant!.zeroPoint[0]!),
    ]);
    return buf(name);
  };
  /** The int8 buffer of `tensor`, quantising its float value with the tensor's parameters when needed. */
  const asInt8 = (tensor: string, node: IrNode): { arg: KernelArg; quant: QuantParams } => {
    const t = b.tensor(tensor);
    if (t.quant === undefined) {
      throw new UnsupportedError(
        `int8 node '${node.name}' (${node.op}) reads '${tensor}', which has no quantisation parameters`,
        { node: node.name, op: node.op },
      );
    }
    const name = `q:${tensor}`;
    if (!b.buffers.has(name)) {
      const f = asFloat(tensor);
      const n = product(b.shape(tensor));
      b.buffer(name, 'int8', n);
      b.step('quantize_f32_i8', [f, buf(name), i32(n), f64(t.quant.scale[0]!), i32(t.quant.zeroPoint[0]!)]);
    }
    return { arg: buf(name), quant: t.quant };
  };
  let scratch = 0;
  const scratchArg = (length: number) => {
    scratch = Math.max(scratch, length);
    return buf('scratch');
  };

  for (const node of graph.nodes) {
    b.at(node.name);
    ops[node.op] = (ops[node.op] ?? 0) + 1;
    const outTensor = node.outputs[0]!;
    const outShape = shapes.get(outTensor)!;
    const n = product(outShape);
    const isInt8 = b.tensor(outTensor).dtype === 'int8';
    if (isInt8) lowerInt8Node(node);
    else lowerFloatNode(node);

    function lowerFloatNode(node: IrNode): void {
      const out = () => buf(b.buffer(`f:${outTensor}`, 'float32', n));
      const x = node.inputs[0]!;
      const xs = b.shape(x);
      switch (node.op) {
        case 'Conv2D':
        case 'DepthwiseConv2D': {
          const [, h, w, c] = xs as [number, number, number, number];
          const ws = b.shape(node.inputs[1]!) as [number, number, number, number];
          const [kh, kw, , wm] = ws;
          const k = node.op === 'Conv2D' ? wm : c * wm;
          const g = geometry(h, w, [kh, kw], node.attrs.strides, node.attrs.dilations, node.attrs.padding);
          const bias = node.inputs[2] ? b.floatConstant(node.inputs[2]) : new Float32Array(k);
          const xArg = asFloat(x);
          const wArg = cst(b.constant(node.inputs[1]!, b.floatConstant(node.inputs[1]!)));
          const bArg = cst(b.constant(`${node.name}/bias`, bias));
          const act = ACTIVATION_CODE[node.attrs.activation];
          const geo = [kh, kw, ...node.attrs.strides, ...node.attrs.dilations, g.top, g.left].map(i32);
          if (node.op === 'Conv2D') {
            b.step('conv2d_f32', [
              xArg,
              wArg,
              bArg,
              out(),
              ...[h, w, c, g.oh, g.ow, k].map(i32),
              ...geo,
              i32(act),
            ]);
          } else {
            b.step('depthwise_f32', [
              xArg,
              wArg,
              bArg,
              out(),
              ...[h, w, c, wm, g.oh, g.ow].map(i32),
              ...geo,
              i32(act),
            ]);
          }
          if (act === ACTIVATION_CODE.sigmoid) b.step('activate_f32', [out(), out(), i32(n), i32(act)]);
          return;
        }
        case 'Dense': {
          const [kIn, m] = b.shape(node.inputs[1]!) as [number, number];
          const bias = node.inputs[2] ? b.floatConstant(node.inputs[2]) : new Float32Array(m);
          const xArg = asFloat(x);
          const wArg = cst(b.constant(node.inputs[1]!, b.floatConstant(node.inputs[1]!)));
          const bArg = cst(b.constant(`${node.name}/bias`, bias));
          const act = ACTIVATION_CODE[node.attrs.activation];
          b.step('dense_f32', [xArg, wArg, bArg, out(), i32(kIn), i32(m), i32(act)]);
          return;
        }
        case 'BatchNorm': {
          const [gamma, beta, mean, variance] = node.inputs.slice(1).map((t) => b.floatConstant(t)) as [
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
          ];
          const c = gamma.length;
          const s = new Float32Array(c);
          const t = new Float32Array(c);
          for (let i = 0; i < c; i++) {
            s[i] = gamma[i]! / Math.sqrt(variance[i]! + node.attrs.epsilon);
            t[i] = beta[i]! - mean[i]! * s[i]!;
          }
          const xArg = asFloat(x);
          const sArg = cst(b.constant(`${node.name}/scale`, s));
          const tArg = cst(b.constant(`${node.name}/shift`, t));
          b.step('affine_f32', [xArg, sArg, tArg, out(), i32(n), i32(c)]);
          return;
        }
        case 'ReLU':
        case 'ReLU6':
        case 'Sigmoid':
        case 'HardSwish': {
          const act = { ReLU: 1, ReLU6: 2, Sigmoid: 3, HardSwish: 4 }[node.op];
          b.step('activate_f32', [asFloat(x), out(), i32(n), i32(act)]);
          return;
        }
        case 'Add':
        case 'Mul': {
          const op = node.op === 'Add' ? 0 : 1;
          const act = node.op === 'Add' ? ACTIVATION_CODE[node.attrs.activation ?? 'none'] : 0;
          let left = asFloat(node.inputs[0]!);
          let leftShape = b.shape(node.inputs[0]!);
          for (let i = 1; i < node.inputs.length; i++) {
            const last = i === node.inputs.length - 1;
            const rightShape = b.shape(node.inputs[i]!);
            const shape = broadcastShape(node, leftShape, rightShape);
            const target = last ? out() : buf(b.buffer(`f:${outTensor}#${i}`, 'float32', product(shape)));
            const [dims, sa, sb] = broadcastStrides(node, shape, leftShape, rightShape);
            const right = asFloat(node.inputs[i]!);
            b.step('binary_f32', [
              left,
              right,
              target,
              i32(op),
              ...[...dims, ...sa, ...sb].map(i32),
              i32(last ? act : 0),
            ]);
            left = target;
            leftShape = shape;
          }
          if (act === ACTIVATION_CODE.sigmoid) b.step('activate_f32', [out(), out(), i32(n), i32(act)]);
          return;
        }
        case 'MaxPool':
        case 'AvgPool': {
          const [, h, w, c] = xs as [number, number, number, number];
          const g = geometry(h, w, node.attrs.poolSize, node.attrs.strides, [1, 1], node.attrs.padding);
          const dims = [h, w, c, g.oh, g.ow, ...node.attrs.poolSize, ...node.attrs.strides, g.top, g.left];
          b.step('pool_f32', [asFloat(x), out(), ...dims.map(i32), i32(node.op === 'MaxPool' ? 0 : 1)]);
          return;
        }
        case 'GlobalAvgPool': {
          const [, h, w, c] = xs as [number, number, number, number];
          b.step('global_avg_pool_f32', [asFloat(x), out(), i32(h * w), i32(c)]);
          return;
        }
        case 'Flatten':
        case 'Reshape':
        case 'Identity': {
          const source = asFloat(x);
          if (source.kind !== 'buffer') {
            b.step('copy_blocks', [source, out(), i32(1), i32(n * 4), i32(0)]);
            return;
          }
          b.buffer(`f:${outTensor}`, 'float32', n, source.name);
          return;
        }
        case 'Concat': {
          const axis = node.attrs.axis;
          const outer = product(outShape.slice(0, axis));
          const inner = product(outShape.slice(axis + 1));
          const stride = outShape[axis]! * inner * 4;
          let offset = 0;
          const target = out() as { kind: 'buffer'; name: string };
          for (const input of node.inputs) {
            const block = b.shape(input)[axis]! * inner * 4;
            b.step('copy_blocks', [
              asFloat(input),
              { ...target, offset } as KernelArg,
              i32(outer),
              i32(block),
              i32(stride),
            ]);
            offset += block;
          }
          return;
        }
        case 'Pad': {
          const [, h, w, c] = xs as [number, number, number, number];
          const [[top], [left]] = node.attrs.pads;
          const [, oh, ow] = outShape as [number, number, number, number];
          b.step('pad_nhwc', [asFloat(x), out(), ...[h, w, c, oh, ow, top, left, 4, 0].map(i32)]);
          return;
        }
        case 'Softmax': {
          const axis = node.attrs.axis;
          const dims = [product(xs.slice(0, axis)), xs[axis]!, product(xs.slice(axis + 1))];
          b.step('softmax_f32', [asFloat(x), out(), ...dims.map(i32)]);
          return;
        }
        default:
          throw unsupportedOp(node, 'float32');
      }
    }

    function lowerInt8Node(node: IrNode): void {
      const outQuant = b.tensor(outTensor).quant!;
      const zo = outQuant.zeroPoint[0]!;
      const out = () => buf(b.buffer(`q:${outTensor}`, 'int8', n));
      const x = node.inputs[0]!;
      const xs = b.shape(x);
      switch (node.op) {
        case 'Conv2D':
        case 'DepthwiseConv2D':
        case 'Dense': {
          const weight = b.tensor(node.inputs[1]!);
          const bias = b.tensor(node.inputs[2]!);
          if (!(weight.data instanceof Int8Array) || !weight.quant || !(bias?.data instanceof Int32Array)) {
            throw new UnsupportedError(
              `int8 node '${node.name}' (${node.op}) needs int8 weights and an int32 bias, as quantizeGraph writes them`,
              { node: node.name, op: node.op },
            );
          }
          const { arg: xArg, quant: xq } = asInt8(x, node);
          const isDense = node.op === 'Dense';
          const [h, w, c] = isDense ? [1, 1, xs[1]!] : (xs.slice(1) as [number, number, number]);
          const ws = weight.shape;
          const [kh, kw] = isDense ? [1, 1] : [ws[0]!, ws[1]!];
          const k = node.op === 'DepthwiseConv2D' ? c * ws[3]! : ws[ws.length - 1]!;
          const attrs = isDense
            ? { strides: [1, 1] as const, dilations: [1, 1] as const, padding: 'valid' as const }
            : node.attrs;
          const g = geometry(h, w, [kh, kw], attrs.strides, attrs.dilations, attrs.padding);
          const m = requantMultipliers(xq.scale[0]!, weight.quant, outQuant.scale[0]!, k, ortArithmetic);
          const [lo, hi] = activationBounds(node.attrs.activation, outQuant);
          const geo = [kh, kw, ...attrs.strides, ...attrs.dilations, g.top, g.left];
          const tail = [xq.zeroPoint[0]!, zo, lo, hi];
          const mArg = cst(b.constant(`${node.name}/multipliers`, m));
          if (node.op === 'DepthwiseConv2D') {
            const k8 = roundUp(k, 8);
            const wArg = cst(b.constant(node.inputs[1]!, depthwiseWeights(weight.data, kh * kw, k)));
            const bArg = cst(b.constant(node.inputs[2]!, paddedBias(bias.data, k8)));
            const dims = [h, w, c, ws[3]!, g.oh, g.ow, k8, ...geo, ...tail];
            b.step('depthwise_i8', [xArg, wArg, bArg, mArg, scratchArg(k8), out(), ...dims.map(i32)]);
          } else {
            const k4 = roundUp(k, 4);
            const wArg = cst(b.constant(node.inputs[1]!, pairedConvWeights(weight.data, kh * kw, c, k)));
            const bArg = cst(b.constant(node.inputs[2]!, paddedBias(bias.data, k4)));
            // The activations as int16 pairs minus their zero point (once per tensor, shared by its readers).
            const source = (xArg as { kind: 'buffer'; name: string }).name;
            const wide = `w16:${source}`;
            if (!b.buffers.has(wide)) {
              b.buffer(wide, 'int32', h * w * Math.ceil(c / 2));
              b.step('widen_i8', [xArg, buf(wide), i32(h * w), i32(c), i32(xq.zeroPoint[0]!)]);
            }
            const dims = [h, w, c, g.oh, g.ow, k, k4, ...geo, ...tail.slice(1)];
            b.step('conv2d_i8', [
              buf(wide),
              wArg,
              bArg,
              mArg,
              scratchArg(roundUp(k, 16)),
              out(),
              ...dims.map(i32),
            ]);
          }
          return;
        }
        case 'MaxPool':
        case 'AvgPool': {
          const [, h, w, c] = xs as [number, number, number, number];
          const g = geometry(h, w, node.attrs.poolSize, node.attrs.strides, [1, 1], node.attrs.padding);
          const dims = [h, w, c, g.oh, g.ow, ...node.attrs.poolSize, ...node.attrs.strides, g.top, g.left];
          b.step('pool_i8', [
            asInt8(x, node).arg,
            out(),
            ...dims.map(i32),
            i32(node.op === 'MaxPool' ? 0 : 1),
            i32(b.tensor(x).quant!.zeroPoint[0]!),
            f64(b.tensor(x).quant!.scale[0]!),
          ]);
          return;
        }
        case 'GlobalAvgPool': {
          const [, h, w, c] = xs as [number, number, number, number];
          const { arg, quant } = asInt8(x, node);
          b.step('global_avg_pool_i8', [
            arg,
            out(),
            i32(h * w),
            i32(c),
            i32(quant.zeroPoint[0]!),
            f64(quant.scale[0]!),
          ]);
          return;
        }
        case 'Flatten':
        case 'Reshape':
        case 'Identity': {
          const source = asInt8(x, node).arg as { kind: 'buffer'; name: string };
          b.buffer(`q:${outTensor}`, 'int8', n, source.name);
          return;
        }
        case 'Add': {
          if (node.inputs.length !== 2) throw unsupportedOp(node, 'int8', 'with more than two inputs');
          const a = asInt8(node.inputs[0]!, node);
          const c = asInt8(node.inputs[1]!, node);
          const [lo, hi] = activationBounds(node.attrs.activation ?? 'none', outQuant);
          const so = outQuant.scale[0]!;
          b.step('add_i8', [
            a.arg,
            c.arg,
            out(),
            i32(n),
            i32(a.quant.zeroPoint[0]!),
            f64(a.quant.scale[0]! / so),
            i32(c.quant.zeroPoint[0]!),
            f64(c.quant.scale[0]! / so),
            ...[zo, lo, hi].map(i32),
            i32(activationOffset),
          ]);
          return;
        }
        case 'ReLU':
        case 'ReLU6': {
          const a = asInt8(x, node);
          const [lo, hi] = activationBounds(node.op === 'ReLU' ? 'relu' : 'relu6', outQuant);
          b.step('activate_i8', [
            a.arg,
            out(),
            i32(n),
            i32(a.quant.zeroPoint[0]!),
            f64(a.quant.scale[0]!),
            f64(outQuant.scale[0]!),
            ...[zo, lo, hi].map(i32),
          ]);
          return;
        }
        default:
          throw unsupportedOp(node, 'int8');
      }
    }
  }

  if (scratch > 0) b.buffer('scratch', 'int32', scratch);
  const outputName = graph.outputs[0]!;
  const output = asFloat(outputName) as { kind: 'buffer'; name: string };
  if (output.kind !== 'buffer') throw new UnsupportedError(`graph output '${outputName}' is a constant`);
  const outputLength = product(shapes.get(outputName)!);
  return {
    name: graph.name,
    precision: int8 ? 'int8' : 'float32',
    buffers: b.buffers,
    constants: b.constants,
    steps: b.steps,
    input: { buffer: inputBuffer, shape: inputShape.slice(1) },
    output: { buffer: output.name, length: outputLength },
    ops,
  };
}

function unsupportedOp(node: IrNode, precision: 'float32' | 'int8', detail = ''): UnsupportedError {
  const covered = precision === 'int8' ? INT8_OPS : FLOAT32_OPS;
  return new UnsupportedError(
    `edgeml compile has no ${precision} kernel for op '${node.op}'${detail ? ` ${detail}` : ''} (node '${node.name}'); ${precision} ops it compiles: ${covered.join(', ')}`,
    { op: node.op, node: node.name, precision },
  );
}

function broadcastShape(node: IrNode, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new UnsupportedError(`node '${node.name}' (${node.op}) cannot broadcast [${a}] with [${b}]`, {
        node: node.name,
        op: node.op,
      });
    }
    out.push(Math.max(da, db));
  }
  return out;
}

/** Rank-4 output dims and the element strides (0 on broadcast axes) of both operands. */
function broadcastStrides(
  node: IrNode,
  shape: readonly number[],
  a: readonly number[],
  b: readonly number[],
): [number[], number[], number[]] {
  if (shape.length > 4) {
    throw new UnsupportedError(
      `node '${node.name}' (${node.op}): element-wise ops of rank above 4 are not compiled`,
      {
        node: node.name,
        op: node.op,
      },
    );
  }
  const pad = (s: readonly number[]) => [...new Array<number>(4 - s.length).fill(1), ...s];
  const dims = pad(shape);
  const strides = (s: readonly number[]) => {
    const p = pad(s);
    const st = [0, 0, 0, 0];
    let acc = 1;
    for (let i = 3; i >= 0; i--) {
      st[i] = p[i] === 1 ? 0 : acc;
      acc *= p[i]!;
    }
    return st;
  };
  return [dims, strides(a), strides(b)];
}
