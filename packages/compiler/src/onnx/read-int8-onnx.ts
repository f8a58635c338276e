/**
 * readInt8Onnx: an int8 ONNX model in QDQ format, as `edgeml quantize` writes it (emitOnnxQdq; uint8
 * or int8 activations), back into the quantised IR that quantizeGraph produces, so that `edgeml
 * compile --precision int8` compiles exactly the quantisation the user measured: the file's int8
 * weights and per-channel weight scales, its int32 biases, its activation scales and zero points
 * (float32, as onnxruntime reads them; uint8 zero points moved by -128, the same real values).
 *
 * How the file maps back:
 * - `DQ(a) -> Conv|Gemm|Add|MaxPool|AveragePool|GlobalAveragePool[-> Flatten]|Flatten|Reshape|Relu|Clip
 *   [-> Relu|Clip(0, 6)] -> Q` with one scalar-parameter QuantizeLinear reading the result is an
 *   int8 node (onnxruntime fuses exactly these into QLinearConv, QGemm, QLinearAdd, ...); its output
 *   tensor is int8 with the Q's parameters; a Relu/Clip before the Q is the fused activation;
 * - Conv/Gemm weights are `DequantizeLinear` of int8 initializers (symmetric: zero points 0; per
 *   tensor, or per output channel on axis 0 of OIHW), biases of int32 ones whose scale must be
 *   `inputScale * weightScale` (what the int8 kernels, QLinearConv and TFLite all assume);
 * - a QuantizeLinear of a float value (the model input, or the output of a node kept float, written
 *   per channel with one repeated value) is that tensor's quantisation parameters: the compiled
 *   module quantises it where an int8 node reads it, as onnxruntime does;
 * - every other node is float (Softmax, nodes kept float, ...), reading dequantised int8 values.
 * Layout: the ONNX graph is NCHW after the input's Transpose; the IR is NHWC: weights go back from
 * OIHW to HWIO (depthwise: `[kh, kw, C, M]`), axes and explicit pads back to 'same'/'valid'.
 * Anything else (QOperator nodes such as QLinearConv, other ops, padding that is neither 'same' nor
 * 'valid', asymmetric weights, ...) is refused with an UnsupportedError naming the node and op.
 */

import { UnsupportedError } from '@edgeml/core';
import {
  type FusedActivation,
  type IrGraph,
  type IrNode,
  type IrShape,
  type IrTensor,
  inferNodeShape,
  onnxProto,
  type PaddingMode,
  type QuantParams,
  samePadding,
  validateGraph,
} from '@edgeml/optimizer';
import { ONNX_ACTIVATIONS_PROP } from '../lowering/lower-graph.js';

/** What a numeric field of onnx-proto may be (int64 fields can decode as Long). */
type Num = number | { toNumber(): number };

interface PTensor {
  name?: string | null;
  dims?: Num[] | null;
  dataType?: number | null;
  rawData?: Uint8Array | null;
  floatData?: number[] | null;
  int32Data?: number[] | null;
  int64Data?: Num[] | null;
}
interface PAttribute {
  name?: string | null;
  type?: number | null;
  f?: number | null;
  i?: Num | null;
  s?: Uint8Array | null;
  ints?: Num[] | null;
  floats?: number[] | null;
}
interface PNode {
  name?: string | null;
  opType?: string | null;
  domain?: string | null;
  input?: string[] | null;
  output?: string[] | null;
  attribute?: PAttribute[] | null;
}
interface PValueInfo {
  name?: string | null;
  type?: {
    tensorType?: {
      elemType?: number | null;
      shape?: { dim?: { dimValue?: Num | null; dimParam?: string | null }[] | null } | null;
    } | null;
  } | null;
}
interface PModel {
  graph?: {
    name?: string | null;
    node?: PNode[] | null;
    initializer?: PTensor[] | null;
    input?: PValueInfo[] | null;
    output?: PValueInfo[] | null;
  } | null;
  metadataProps?: { key?: string | null; value?: string | null }[] | null;
}

/** ONNX TensorProto data types read here. */
const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

/** Ops whose int8 form the compiler has (the QDQ patterns onnxruntime fuses). */
const INT8_CAPABLE = new Set([
  'Conv',
  'Gemm',
  'Add',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Flatten',
  'Reshape',
  'Relu',
  'Clip',
]);
/** IR ops whose int8 output keeps its input's parameters (the int8 kernels assume it). */
const SAME_PARAMS = new Set(['MaxPool', 'AvgPool', 'GlobalAvgPool', 'Flatten', 'Reshape']);
/** QOperator-format ops, named in the refusal. */
const QOPERATOR_OPS = new Set([
  'QLinearConv',
  'QGemm',
  'QLinearAdd',
  'QLinearMatMul',
  'QLinearAveragePool',
  'QLinearGlobalAveragePool',
  'QLinearLeakyRelu',
  'QLinearSigmoid',
  'QLinearMul',
  'QLinearConcat',
  'ConvInteger',
  'MatMulInteger',
]);
/** ONNX ops this reader maps (float or int8). */
export const ONNX_INT8_READER_OPS: readonly string[] = [
  'QuantizeLinear',
  'DequantizeLinear',
  'Transpose',
  'Identity',
  'Conv',
  'Gemm',
  'Add',
  'Mul',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Flatten',
  'Reshape',
  'Relu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'Softmax',
  'Concat',
  'Pad',
  'BatchNormalization',
];

type Layout = 'nchw' | 'nhwc';

/** What an ONNX value is in IR terms. */
type Value =
  /** A float IR tensor (rank 4: `layout` is the ONNX value's element order). */
  | { readonly kind: 'float'; readonly ir: string; readonly layout: Layout }
  /** The 8-bit values of IR tensor `ir` (int8, or float with quantisation parameters). */
  | { readonly kind: 'q'; readonly ir: string; readonly layout: Layout }
  /** DequantizeLinear of the 8-bit values of IR tensor `ir`. */
  | { readonly kind: 'dq'; readonly ir: string; readonly layout: Layout }
  /** An initializer. */
  | { readonly kind: 'const'; readonly tensor: Initializer }
  /** DequantizeLinear of an int8/int32 initializer. */
  | {
      readonly kind: 'qconst';
      readonly tensor: Initializer;
      readonly scale: readonly number[];
      readonly zeroPoint: readonly number[];
      readonly axis: number | undefined;
    };

interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly data: Float32Array | Int8Array | Uint8Array | Int32Array | Float64Array;
}

function num(v: Num | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function readInitializer(t: PTensor): Initializer {
  const name = t.name ?? '';
  const dims = (t.dims ?? []).map(num);
  const dataType = t.dataType ?? 0;
  const raw = t.rawData && t.rawData.byteLength > 0 ? t.rawData : undefined;
  // A copy in its own ArrayBuffer (a Node Buffer's slice() is a view into a shared pool).
  const bytes = raw ? new Uint8Array(raw) : undefined;
  let data: Initializer['data'];
  switch (dataType) {
    case DT.FLOAT:
      data = bytes ? new Float32Array(bytes.buffer) : Float32Array.from(t.floatData ?? []);
      break;
    case DT.INT8:
      data = bytes ? new Int8Array(bytes.buffer) : Int8Array.from(t.int32Data ?? []);
      break;
    case DT.UINT8:
      data = bytes ? new Uint8Array(bytes.buffer) : Uint8Array.from(t.int32Data ?? []);
      break;
    case DT.INT32:
      data = bytes ? new Int32Array(bytes.buffer) : Int32Array.from(t.int32Data ?? []);
      break;
    case DT.INT64:
      data = bytes
        ? Float64Array.from(new BigInt64Array(bytes.buffer), (v) => Number(v))
        : Float64Array.from((t.int64Data ?? []).map(num));
      break;
    default:
      throw new UnsupportedError(
        `initializer '${name}' has ONNX data type ${dataType}; the int8 reader takes float, int8, uint8, int32 and int64`,
        { tensor: name, dataType },
      );
  }
  return { name, dims, dataType, data };
}

function attrs(node: PNode): Map<string, PAttribute> {
  return new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
}
function intAttr(node: PNode, name: string, fallback: number): number {
  const a = attrs(node).get(name);
  return a ? num(a.i) : fallback;
}
function intsAttr(node: PNode, name: string): number[] | undefined {
  const a = attrs(node).get(name);
  return a ? (a.ints ?? []).map(num) : undefined;
}
function floatAttr(node: PNode, name: string, fallback: number): number {
  const a = attrs(node).get(name);
  return a ? (a.f ?? 0) : fallback;
}
function stringAttr(node: PNode, name: string): string | undefined {
  const a = attrs(node).get(name);
  return a?.s ? new TextDecoder().decode(a.s) : undefined;
}

const ONNX_TO_IR_AXIS = [0, 3, 1, 2];
const sameOrder = (shape: IrShape) => shape.length !== 4 || shape[1]! * shape[2]! === 1 || shape[3] === 1;

/** Options of readInt8Onnx. */
export interface ReadInt8OnnxOptions {
  /** Graph name. @default the ONNX graph's name */
  readonly name?: string;
  /** The file's name, for error messages. @default 'model.int8.onnx' */
  readonly file?: string;
}

/**
 * Reads the QDQ int8 ONNX model `bytes` into a quantised IR graph (NHWC, batch dynamic) that
 * compileGraph compiles. Throws an UnsupportedError naming the node and op for anything the file's
 * structure does not map to (see the file comment).
 */
export function readInt8Onnx(bytes: Uint8Array, options: ReadInt8OnnxOptions = {}): IrGraph {
  const file = options.file ?? 'model.int8.onnx';
  let model: PModel;
  try {
    model = onnxProto.ModelProto.decode(bytes) as unknown as PModel;
  } catch (error) {
    throw new UnsupportedError(`${file} is not an ONNX model (${(error as Error).message})`, { file });
  }
  const g = model.graph;
  if (!g) throw new UnsupportedError(`${file} has no graph`, { file });
  const nodes = g.node ?? [];
  const refuse = (node: PNode | undefined, why: string): never => {
    const where = node ? ` node '${node.name ?? '?'}' (${node.opType ?? '?'})` : '';
    throw new UnsupportedError(
      `edgeml compile cannot map ${file}${where}: ${why}. It reads int8 ONNX in QDQ format as edgeml quantize writes it (--onnx-format qdq, the default); ONNX ops it maps: ${ONNX_INT8_READER_OPS.join(', ')}`,
      { file, ...(node ? { node: node.name ?? '', op: node.opType ?? '' } : {}) },
    );
  };

  const values = new Map<string, Value>();
  for (const t of g.initializer ?? []) {
    const init = readInitializer(t);
    values.set(init.name, { kind: 'const', tensor: init });
  }
  const consumers = new Map<string, PNode[]>();
  for (const node of nodes) {
    for (const input of node.input ?? []) {
      if (input === '') continue;
      consumers.set(input, [...(consumers.get(input) ?? []), node]);
    }
  }
  const graphOutputs = new Set((g.output ?? []).map((o) => o.name ?? ''));
  const onlyConsumer = (value: string): PNode | undefined => {
    const c = consumers.get(value) ?? [];
    return c.length === 1 && !graphOutputs.has(value) ? c[0] : undefined;
  };

  // IR tensors and nodes under construction.
  const tensors = new Map<string, IrTensor>();
  const irNodes: IrNode[] = [];
  const nodeNames = new Set<string>();
  const uniqueTensor = (base: string) => {
    let name = base;
    for (let i = 1; tensors.has(name); i++) name = `${base}_${i}`;
    return name;
  };
  const uniqueNode = (base: string) => {
    let name = base;
    for (let i = 1; nodeNames.has(name); i++) name = `${base}_${i}`;
    nodeNames.add(name);
    return name;
  };
  const shapeOf = (ir: string) => tensors.get(ir)!.shape;

  // The graph input (NHWC unless the file says NCHW).
  if ((g.input ?? []).filter((i) => !values.has(i.name ?? '')).length !== 1) {
    refuse(undefined, 'it must have exactly one graph input');
  }
  const input = (g.input ?? []).find((i) => !values.has(i.name ?? ''))!;
  const inputLayout =
    (model.metadataProps ?? []).find((p) => p.key === 'input_layout')?.value === 'NCHW' ? 'nchw' : 'nhwc';
  const inputDims = (input.type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.dimParam || d.dimValue === null || d.dimValue === undefined ? -1 : num(d.dimValue),
  );
  if (input.type?.tensorType?.elemType !== DT.FLOAT || inputDims.length !== 4) {
    refuse(undefined, `its input '${input.name}' must be a float32 rank-4 image tensor`);
  }
  const inputShape =
    inputLayout === 'nchw'
      ? [-1, inputDims[2]!, inputDims[3]!, inputDims[1]!]
      : [-1, inputDims[1]!, inputDims[2]!, inputDims[3]!];
  const inputName = input.name ?? 'input';
  tensors.set(inputName, { name: inputName, shape: inputShape, dtype: 'float32' });
  values.set(inputName, { kind: 'float', ir: inputName, layout: inputLayout });

  const valueNamed = (node: PNode, name: string): Value => {
    const v = values.get(name);
    if (v === undefined) return refuse(node, `input '${name}' is not defined before it`);
    return v;
  };
  const constOf = (node: PNode, name: string | undefined): Initializer => {
    const v = name === undefined ? undefined : values.get(name);
    if (v?.kind !== 'const') return refuse(node, `input '${name}' must be a constant`);
    return v.tensor;
  };
  /** Per-tensor parameters of a Q/DQ (a per-axis list of one repeated value collapses). */
  const paramsOf = (node: PNode): QuantParams => {
    const inputs = node.input ?? [];
    const scale = constOf(node, inputs[1]);
    const zp = inputs[2] ? constOf(node, inputs[2]) : undefined;
    if (scale.dataType !== DT.FLOAT) refuse(node, 'its scale must be float32');
    const s = Array.from(scale.data as Float32Array);
    // No zero point input: ONNX's default, uint8 0.
    const shift = zp === undefined || zp.dataType === DT.UINT8 ? -128 : 0;
    if (zp && zp.dataType !== DT.UINT8 && zp.dataType !== DT.INT8) {
      refuse(node, 'its zero point must be int8 or uint8');
    }
    const z = zp ? Array.from(zp.data as Int8Array | Uint8Array, (v) => v + shift) : [shift];
    if (s.length === 0 || s.some((v) => v !== s[0]) || z.some((v) => v !== z[0])) {
      refuse(node, 'an activation must have one scale and one zero point (per tensor)');
    }
    return { scale: [s[0]!], zeroPoint: [z[0]!] };
  };
  const sameParams = (a: QuantParams | undefined, b: QuantParams | undefined) =>
    a !== undefined &&
    b !== undefined &&
    Math.fround(a.scale[0]!) === Math.fround(b.scale[0]!) &&
    a.zeroPoint[0] === b.zeroPoint[0];

  /** IR tensor read by a node from an ONNX value, converting constants; `int8Reader`: the reader computes in int8. */
  const irInput = (node: PNode, v: Value, int8Reader: boolean): string => {
    switch (v.kind) {
      case 'float':
        return v.ir;
      case 'dq': {
        const t = tensors.get(v.ir)!;
        if (!int8Reader && t.dtype !== 'int8') {
          refuse(node, `float node reads the quantised-dequantised value of float tensor '${v.ir}'`);
        }
        return v.ir;
      }
      case 'const': {
        const t = v.tensor;
        if (!(t.data instanceof Float32Array)) refuse(node, `constant '${t.name}' must be float32`);
        const name = uniqueTensor(t.name);
        tensors.set(name, { name, shape: t.dims, dtype: 'float32', data: t.data as Float32Array });
        return name;
      }
      case 'qconst':
      case 'q':
        return refuse(node, `reads an 8-bit value where the QDQ format has float`);
    }
  };

  const layoutOf = (node: PNode, v: Value): Layout => {
    if (v.kind === 'const' || v.kind === 'qconst') return refuse(node, 'reads a constant as its data input');
    return v.layout;
  };
  /** Checks that a rank-4 value is in NCHW order (what every ONNX spatial op reads). */
  const needNchw = (node: PNode, v: Value) => {
    if (layoutOf(node, v) !== 'nchw') refuse(node, 'its input is not in NCHW order');
  };
  /** 'same' or 'valid' for explicit NCHW `pads` [top, left, bottom, right] over an NHWC input. */
  const paddingOf = (
    node: PNode,
    inShape: IrShape,
    kernel: readonly number[],
    strides: readonly number[],
    dilations: readonly number[],
  ): PaddingMode => {
    const autoPad = stringAttr(node, 'auto_pad');
    if (autoPad !== undefined && autoPad !== 'NOTSET') refuse(node, `auto_pad '${autoPad}' is not read`);
    const pads = intsAttr(node, 'pads') ?? [0, 0, 0, 0];
    if (pads.every((p) => p === 0)) return 'valid';
    const [top, bottom] = samePadding(inShape[1]!, kernel[0]!, strides[0]!, dilations[0]!);
    const [left, right] = samePadding(inShape[2]!, kernel[1]!, strides[1]!, dilations[1]!);
    if (pads[0] === top && pads[1] === left && pads[2] === bottom && pads[3] === right) return 'same';
    return refuse(node, `pads [${pads.join(', ')}] are neither 'valid' nor TF's 'same'`);
  };

  /** Adds an IR node whose output tensor is `outName` (dtype/quant given); shape inferred. */
  const addNode = (
    onnxNode: PNode,
    partial: { readonly op: IrNode['op']; readonly inputs: readonly string[]; readonly attrs: object },
    outName: string,
    dtype: 'float32' | 'int8',
    quant?: QuantParams,
  ): string => {
    const base = (onnxNode.name || onnxNode.opType || 'node').replace(/\/[A-Za-z]+$/, '');
    const node = { ...partial, name: uniqueNode(base), outputs: [outName] } as IrNode;
    let shape: IrShape;
    try {
      shape = inferNodeShape(
        node,
        node.inputs.map((n) => shapeOf(n)),
      );
    } catch (error) {
      return refuse(onnxNode, (error as Error).message);
    }
    tensors.set(outName, { name: outName, shape, dtype, ...(quant ? { quant } : {}) });
    irNodes.push(node);
    return outName;
  };

  const done = new Set<PNode>();
  for (const node of nodes) {
    if (done.has(node)) continue;
    const op = node.opType ?? '';
    const ins = node.input ?? [];
    const out = (node.output ?? [])[0] ?? '';
    if ((node.output ?? []).length !== 1) refuse(node, 'it must have exactly one output');
    if (QOPERATOR_OPS.has(op)) {
      refuse(node, `${op} is a QOperator-format op (edgeml quantize --onnx-format qoperator)`);
    }
    if (node.domain && node.domain !== 'ai.onnx') refuse(node, `domain '${node.domain}' is not read`);

    switch (op) {
      case 'Identity': {
        values.set(out, valueNamed(node, ins[0]!));
        continue;
      }
      case 'Transpose': {
        const v = valueNamed(node, ins[0]!);
        const perm = intsAttr(node, 'perm') ?? [];
        if (v.kind === 'qconst' || v.kind === 'const') return refuse(node, 'transposes a constant');
        const layout = v.layout;
        if (perm.join() === '0,3,1,2' && layout === 'nhwc') values.set(out, { ...v, layout: 'nchw' });
        else if (perm.join() === '0,2,3,1' && layout === 'nchw') values.set(out, { ...v, layout: 'nhwc' });
        else refuse(node, `perm [${perm.join(', ')}] is not a layout change NHWC <-> NCHW`);
        continue;
      }
      case 'QuantizeLinear': {
        const v = valueNamed(node, ins[0]!);
        if (v.kind !== 'float') refuse(node, 'quantises a value that is not a float tensor');
        const fv = v as Extract<Value, { kind: 'float' }>;
        const q = paramsOf(node);
        const t = tensors.get(fv.ir)!;
        if (t.quant !== undefined && !sameParams(t.quant, q)) {
          refuse(node, `tensor '${fv.ir}' is quantised twice with different parameters`);
        }
        tensors.set(fv.ir, { ...t, quant: q });
        values.set(out, { kind: 'q', ir: fv.ir, layout: fv.layout });
        continue;
      }
      case 'DequantizeLinear': {
        const v = valueNamed(node, ins[0]!);
        if (v.kind === 'const') {
          const t = v.tensor;
          if (t.dataType !== DT.INT8 && t.dataType !== DT.INT32) {
            refuse(node, 'dequantises a constant that is neither int8 nor int32');
          }
          const scale = constOf(node, ins[1]);
          const zp = ins[2] ? constOf(node, ins[2]) : undefined;
          const s = Array.from(scale.data as Float32Array);
          const z = zp ? Array.from(zp.data as Int8Array | Int32Array) : s.map(() => 0);
          const axis = s.length > 1 ? intAttr(node, 'axis', 1) : undefined;
          values.set(out, { kind: 'qconst', tensor: t, scale: s, zeroPoint: z, axis });
          continue;
        }
        if (v.kind !== 'q') refuse(node, 'dequantises a value that is not 8-bit');
        const qv = v as Extract<Value, { kind: 'q' }>;
        if (!sameParams(tensors.get(qv.ir)!.quant, paramsOf(node))) {
          refuse(node, `dequantises '${qv.ir}' with parameters other than those it was quantised with`);
        }
        values.set(out, { kind: 'dq', ir: qv.ir, layout: qv.layout });
        continue;
      }
    }

    // A computing node: follow its single-reader chain (fused activation, GAP's Flatten, Reshape's
    // Transpose) to the value it ends in, then decide int8 (one scalar Q reads that value and
    // every data input is dequantised int8) or float.
    const chain: PNode[] = [];
    let end = out;
    let activation: FusedActivation = 'none';
    const follow = (n: PNode | undefined) => {
      if (!n) return;
      chain.push(n);
      end = (n.output ?? [])[0] ?? '';
    };
    const next = () => onlyConsumer(end);
    const isRelu6 = (n: PNode) => {
      const [, lo, hi] = n.input ?? [];
      const c = (name: string | undefined) => {
        const v = name ? values.get(name) : undefined;
        return v?.kind === 'const' && v.tensor.data.length === 1 ? Number(v.tensor.data[0]) : Number.NaN;
      };
      return c(lo) === 0 && c(hi) === 6;
    };
    if (op === 'Conv' || op === 'Gemm' || op === 'Add') {
      const n = next();
      if (n?.opType === 'Relu') {
        follow(n);
        activation = 'relu';
      } else if (n?.opType === 'Clip' && isRelu6(n)) {
        follow(n);
        activation = 'relu6';
      }
    }
    if (op === 'GlobalAveragePool' && next()?.opType === 'Flatten' && intAttr(next()!, 'axis', 1) === 1) {
      follow(next());
    }
    const q = onlyConsumer(end);
    const dataInputs = (
      op === 'Conv' || op === 'Gemm' || op === 'Clip' || op === 'Reshape' ? ins.slice(0, 1) : ins
    )
      .filter((n) => n !== '')
      .map((n) => valueNamed(node, n));
    const int8 =
      INT8_CAPABLE.has(op) &&
      (op !== 'Clip' || isRelu6(node)) &&
      q?.opType === 'QuantizeLinear' &&
      (q.input ?? [])[1] !== undefined &&
      // A scalar scale: the per-tensor Q onnxruntime fuses (a float value's Q is written per channel).
      (values.get((q.input ?? [])[1]!) as Extract<Value, { kind: 'const' }> | undefined)?.tensor.dims
        .length === 0 &&
      dataInputs.every((v) => v.kind === 'dq') &&
      (op !== 'Add' || dataInputs.length === 2);
    const outQuant = int8 ? paramsOf(q!) : undefined;
    const irOut = int8
      ? uniqueTensor(((q!.output ?? [])[0] ?? out).replace(/\/quantized$/, ''))
      : uniqueTensor(end);
    const dtype = int8 ? 'int8' : 'float32';
    const x = () => irInput(node, dataInputs[0]!, int8);
    let outLayout: Layout | undefined;

    switch (op) {
      case 'Conv': {
        needNchw(node, dataInputs[0]!);
        const xs = shapeOf(x());
        const wv = valueNamed(node, ins[1]!);
        const group = intAttr(node, 'group', 1);
        const w =
          wv.kind === 'const' || wv.kind === 'qconst'
            ? wv.tensor
            : refuse(node, 'its weight must be a constant');
        const [o, i, kh, kw] = w.dims as [number, number, number, number];
        if (w.dims.length !== 4) refuse(node, 'its weight must be rank 4 (OIHW)');
        const cin = xs[3]!;
        const depthwise = group !== 1;
        if (depthwise && !(group === cin && i === 1 && o % cin === 0)) {
          refuse(
            node,
            `group ${group} is neither 1 nor depthwise (group = ${cin} input channels, one input channel per group)`,
          );
        }
        const strides = intsAttr(node, 'strides') ?? [1, 1];
        const dilations = intsAttr(node, 'dilations') ?? [1, 1];
        const kernel = intsAttr(node, 'kernel_shape') ?? [kh, kw];
        if (kernel[0] !== kh || kernel[1] !== kw) refuse(node, 'kernel_shape differs from its weight');
        const padding = paddingOf(node, xs, [kh, kw], strides, dilations);
        const m = depthwise ? o / cin : 0;
        const irShape = depthwise ? [kh, kw, cin, m] : [kh, kw, i, o];
        const wData = w.data;
        const perm = <T extends Float32Array | Int8Array>(src: T): T => {
          const dst = src.slice() as T;
          if (depthwise) {
            for (let a = 0; a < kh; a++)
              for (let b = 0; b < kw; b++)
                for (let k = 0; k < cin; k++)
                  for (let q2 = 0; q2 < m; q2++)
                    dst[((a * kw + b) * cin + k) * m + q2] = src[((k * m + q2) * kh + a) * kw + b]!;
          } else {
            for (let a = 0; a < kh; a++)
              for (let b = 0; b < kw; b++)
                for (let c = 0; c < i; c++)
                  for (let oo = 0; oo < o; oo++)
                    dst[((a * kw + b) * i + c) * o + oo] = src[((oo * i + c) * kh + a) * kw + b]!;
          }
          return dst;
        };
        const weightName = uniqueTensor(w.name);
        const weightQuant = wv.kind === 'qconst' ? weightParams(node, wv, o, 0, 3) : undefined;
        if (int8 && (wv.kind !== 'qconst' || !(wData instanceof Int8Array))) {
          refuse(node, 'an int8 Conv needs int8 weights behind a DequantizeLinear');
        }
        if (!(wData instanceof Float32Array) && !(wData instanceof Int8Array))
          refuse(node, 'its weight must be float32 or int8');
        tensors.set(weightName, {
          name: weightName,
          shape: irShape,
          dtype: wData instanceof Int8Array ? 'int8' : 'float32',
          data: perm(wData as Float32Array | Int8Array),
          ...(weightQuant ? { quant: weightQuant } : {}),
        });
        const inputs = [x(), weightName];
        const bias = biasOf(node, ins[2], o, int8, tensors.get(x())?.quant, weightQuant);
        if (bias) inputs.push(bias);
        const common = {
          strides: [strides[0]!, strides[1]!] as [number, number],
          dilations: [dilations[0]!, dilations[1]!] as [number, number],
          padding,
          activation,
        };
        addNode(
          node,
          depthwise
            ? { op: 'DepthwiseConv2D', inputs, attrs: { ...common, depthMultiplier: m } }
            : { op: 'Conv2D', inputs, attrs: common },
          irOut,
          dtype,
          outQuant,
        );
        break;
      }
      case 'Gemm': {
        if (
          intAttr(node, 'transA', 0) !== 0 ||
          floatAttr(node, 'alpha', 1) !== 1 ||
          floatAttr(node, 'beta', 1) !== 1
        ) {
          refuse(node, 'only Gemm with transA 0, alpha 1 and beta 1 is read');
        }
        const transB = intAttr(node, 'transB', 0) !== 0;
        const wv = valueNamed(node, ins[1]!);
        const w =
          wv.kind === 'const' || wv.kind === 'qconst'
            ? wv.tensor
            : refuse(node, 'its weight must be a constant');
        if (w.dims.length !== 2) refuse(node, 'its weight must be rank 2');
        const [k, n] = transB ? [w.dims[1]!, w.dims[0]!] : [w.dims[0]!, w.dims[1]!];
        let data = w.data as Float32Array | Int8Array;
        if (transB) {
          const t = data.slice();
          for (let a = 0; a < k; a++) for (let b = 0; b < n; b++) t[a * n + b] = data[b * k + a]!;
          data = t;
        }
        const weightQuant = wv.kind === 'qconst' ? weightParams(node, wv, n, transB ? 0 : 1, 1) : undefined;
        if (int8 && (wv.kind !== 'qconst' || !(data instanceof Int8Array))) {
          refuse(node, 'an int8 Gemm needs int8 weights behind a DequantizeLinear');
        }
        const weightName = uniqueTensor(w.name);
        tensors.set(weightName, {
          name: weightName,
          shape: [k, n],
          dtype: data instanceof Int8Array ? 'int8' : 'float32',
          data,
          ...(weightQuant ? { quant: weightQuant } : {}),
        });
        const inputs = [x(), weightName];
        const bias = biasOf(node, ins[2], n, int8, tensors.get(x())?.quant, weightQuant);
        if (bias) inputs.push(bias);
        addNode(node, { op: 'Dense', inputs, attrs: { activation } }, irOut, dtype, outQuant);
        break;
      }
      case 'Add':
      case 'Mul': {
        const inputs = dataInputs.map((v) => irInput(node, v, int8));
        const layouts = dataInputs.map((v) => layoutOf(node, v));
        const shapes = inputs.map((n) => shapeOf(n));
        if (shapes.some((s) => s.length === 4) && layouts.some((l) => l !== 'nchw')) {
          refuse(node, 'its rank-4 inputs must be in NCHW order');
        }
        addNode(
          node,
          op === 'Add'
            ? { op: 'Add', inputs, attrs: activation === 'none' ? {} : { activation } }
            : { op: 'Mul', inputs, attrs: {} },
          irOut,
          dtype,
          outQuant,
        );
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        needNchw(node, dataInputs[0]!);
        const xs = shapeOf(x());
        if (intAttr(node, 'ceil_mode', 0) !== 0) refuse(node, 'ceil_mode 1 is not read');
        if (op === 'AveragePool' && intAttr(node, 'count_include_pad', 0) !== 0) {
          refuse(node, 'count_include_pad 1 is not read (TF averages over the valid pixels only)');
        }
        const kernel = intsAttr(node, 'kernel_shape') ?? refuse(node, 'it has no kernel_shape');
        const strides = intsAttr(node, 'strides') ?? [1, 1];
        const dil = intsAttr(node, 'dilations') ?? [1, 1];
        if (dil.some((d) => d !== 1)) refuse(node, 'dilated pooling is not read');
        const padding = paddingOf(node, xs, kernel, strides, [1, 1]);
        const attrs = {
          poolSize: [kernel[0]!, kernel[1]!] as [number, number],
          strides: [strides[0]!, strides[1]!] as [number, number],
          padding,
        };
        addNode(
          node,
          { op: op === 'MaxPool' ? 'MaxPool' : 'AvgPool', inputs: [x()], attrs },
          irOut,
          dtype,
          outQuant,
        );
        break;
      }
      case 'GlobalAveragePool': {
        needNchw(node, dataInputs[0]!);
        addNode(
          node,
          { op: 'GlobalAvgPool', inputs: [x()], attrs: { keepDims: chain.length === 0 } },
          irOut,
          dtype,
          outQuant,
        );
        break;
      }
      case 'Flatten': {
        const v = dataInputs[0]!;
        const xs = shapeOf(x());
        if (intAttr(node, 'axis', 1) !== 1) refuse(node, 'only Flatten with axis 1 is read');
        if (xs.length === 4 && layoutOf(node, v) !== 'nhwc' && !sameOrder(xs)) {
          refuse(node, 'flattens an NCHW value (the IR flattens in NHWC order)');
        }
        addNode(node, { op: 'Flatten', inputs: [x()], attrs: {} }, irOut, dtype, outQuant);
        break;
      }
      case 'Reshape': {
        const v = dataInputs[0]!;
        const xs = shapeOf(x());
        if (xs.length === 4 && layoutOf(node, v) !== 'nhwc' && !sameOrder(xs)) {
          refuse(node, 'reshapes an NCHW value (the IR reshapes in NHWC order)');
        }
        const target = Array.from(constOf(node, ins[1]).data, Number);
        if (target[0] !== -1 && target[0] !== 0 && target[0] !== 1)
          refuse(node, 'its shape must keep the batch axis');
        // A rank-4 target followed by a Transpose to NCHW is NHWC; otherwise the emitter wrote it in NCHW.
        const toNchw = next();
        const nchwTarget =
          target.length === 4 &&
          !(toNchw?.opType === 'Transpose' && (intsAttr(toNchw, 'perm') ?? []).join() === '0,3,1,2');
        const shape = nchwTarget ? [target[2]!, target[3]!, target[1]!] : target.slice(1);
        addNode(node, { op: 'Reshape', inputs: [x()], attrs: { shape } }, irOut, dtype, outQuant);
        outLayout = nchwTarget ? 'nchw' : 'nhwc';
        break;
      }
      case 'Relu':
        addNode(node, { op: 'ReLU', inputs: [x()], attrs: {} }, irOut, dtype, outQuant);
        break;
      case 'Clip':
        if (!isRelu6(node)) refuse(node, 'only Clip(0, 6) (ReLU6) is read');
        addNode(node, { op: 'ReLU6', inputs: [x()], attrs: {} }, irOut, dtype, outQuant);
        break;
      case 'Sigmoid':
        addNode(node, { op: 'Sigmoid', inputs: [x()], attrs: {} }, irOut, dtype);
        break;
      case 'HardSigmoid': {
        // HardSwish: x * HardSigmoid(x; 1/6, 0.5), as the float emitter writes it.
        const mul = onlyConsumer(out);
        if (
          Math.abs(floatAttr(node, 'alpha', 0.2) - 1 / 6) > 1e-6 ||
          floatAttr(node, 'beta', 0.5) !== 0.5 ||
          mul?.opType !== 'Mul' ||
          !(mul.input ?? []).includes(ins[0]!)
        ) {
          refuse(node, 'only HardSigmoid(1/6, 0.5) multiplied by its input (HardSwish) is read');
        }
        done.add(mul!);
        const name = uniqueTensor((mul!.output ?? [])[0]!);
        addNode(node, { op: 'HardSwish', inputs: [x()], attrs: {} }, name, 'float32');
        values.set((mul!.output ?? [])[0]!, {
          kind: 'float',
          ir: name,
          layout: layoutOf(node, dataInputs[0]!),
        });
        continue;
      }
      case 'Softmax': {
        const xs = shapeOf(x());
        let axis = intAttr(node, 'axis', -1);
        if (axis < 0) axis += xs.length;
        if (xs.length === 4) axis = layoutOf(node, dataInputs[0]!) === 'nchw' ? ONNX_TO_IR_AXIS[axis]! : axis;
        addNode(node, { op: 'Softmax', inputs: [x()], attrs: { axis } }, irOut, dtype);
        break;
      }
      case 'Concat': {
        const inputs = dataInputs.map((v) => irInput(node, v, false));
        const rank = shapeOf(inputs[0]!).length;
        let axis = intAttr(node, 'axis', 1);
        if (axis < 0) axis += rank;
        if (rank === 4) {
          if (dataInputs.some((v) => layoutOf(node, v) !== 'nchw')) refuse(node, 'its inputs must be NCHW');
          axis = ONNX_TO_IR_AXIS[axis]!;
        }
        addNode(node, { op: 'Concat', inputs, attrs: { axis } }, irOut, dtype);
        break;
      }
      case 'Pad': {
        needNchw(node, dataInputs[0]!);
        const pads = Array.from(constOf(node, ins[1]).data, Number);
        const mode = stringAttr(node, 'mode') ?? 'constant';
        if (mode !== 'constant' || ins[2] || pads.length !== 8 || pads[0] || pads[1] || pads[4] || pads[5]) {
          refuse(node, 'only zero padding of H and W is read');
        }
        const attrs = {
          pads: [
            [pads[2]!, pads[6]!],
            [pads[3]!, pads[7]!],
          ] as const,
        };
        addNode(node, { op: 'Pad', inputs: [irInput(node, dataInputs[0]!, false)], attrs }, irOut, dtype);
        break;
      }
      case 'BatchNormalization': {
        needNchw(node, dataInputs[0]!);
        const params = ins.slice(1).map((n) => irInput(node, valueNamed(node, n), false));
        addNode(
          node,
          {
            op: 'BatchNorm',
            inputs: [irInput(node, dataInputs[0]!, false), ...params],
            attrs: { epsilon: floatAttr(node, 'epsilon', 1e-5) },
          },
          irOut,
          dtype,
        );
        break;
      }
      default:
        refuse(node, `op ${op} has no mapping to the IR`);
    }
    for (const n of chain) done.add(n);
    const irNode = irNodes.at(-1)!;
    if (int8) {
      // The int8 kernels of pools, Flatten and Reshape keep their input's parameters.
      const xq = tensors.get(irNode.inputs[0]!)?.quant;
      if (SAME_PARAMS.has(irNode.op) && !sameParams(xq, outQuant)) {
        refuse(
          node,
          `int8 ${irNode.op} changes its input's quantisation parameters (the int8 kernel keeps them)`,
        );
      }
      done.add(q!);
      values.set((q!.output ?? [])[0]!, {
        kind: 'q',
        ir: irOut,
        layout: outLayout ?? layoutAfter(dataInputs[0]!, irOut),
      });
    } else {
      values.set(end, { kind: 'float', ir: irOut, layout: outLayout ?? layoutAfter(dataInputs[0]!, irOut) });
    }
  }

  /** The ONNX element order of a node's output: NCHW for rank-4 outputs of spatial ops. */
  function layoutAfter(first: Value, irOut: string): Layout {
    if (shapeOf(irOut).length !== 4) return 'nhwc';
    return first.kind === 'const' || first.kind === 'qconst' ? 'nchw' : first.layout;
  }

  /** IR quantisation parameters of a DequantizeLinear'd weight with `channels` output channels on ONNX `axis`. */
  function weightParams(
    node: PNode,
    wv: Extract<Value, { kind: 'qconst' }>,
    channels: number,
    onnxAxis: number,
    irAxis: number,
  ): QuantParams {
    if (wv.zeroPoint.some((z) => z !== 0)) refuse(node, 'its weights must be symmetric (zero point 0)');
    if (wv.scale.length === 1) return { scale: [wv.scale[0]!], zeroPoint: [0] };
    if (wv.scale.length !== channels || wv.axis !== onnxAxis) {
      refuse(node, 'its weights must be quantised per tensor or per output channel');
    }
    return { scale: [...wv.scale], zeroPoint: new Array<number>(channels).fill(0), axis: irAxis };
  }

  /** The IR bias of a Conv/Gemm (int32 for int8 nodes; its scale checked against input × weight scale). */
  function biasOf(
    node: PNode,
    name: string | undefined,
    channels: number,
    int8: boolean,
    inQuant: QuantParams | undefined,
    wQuant: QuantParams | undefined,
  ): string | undefined {
    if (name === undefined || name === '') {
      if (!int8) return undefined;
      const zeros = uniqueTensor(`${node.name ?? 'node'}/bias_int32`);
      const scale = Array.from(
        { length: channels },
        (_, c) => inQuant!.scale[0]! * wQuant!.scale[wQuant!.scale.length === 1 ? 0 : c]!,
      );
      tensors.set(zeros, {
        name: zeros,
        shape: [channels],
        dtype: 'int32',
        data: new Int32Array(channels),
        quant: { scale, zeroPoint: new Array<number>(channels).fill(0), axis: 0 },
      });
      return zeros;
    }
    const v = valueNamed(node, name);
    if (v.kind === 'const') {
      if (int8) refuse(node, 'an int8 node needs an int32 bias behind a DequantizeLinear');
      return irInput(node, v, false);
    }
    if (v.kind !== 'qconst' || !(v.tensor.data instanceof Int32Array)) {
      return refuse(node, 'its bias must be a float32 constant or a dequantised int32 constant');
    }
    if (v.tensor.data.length !== channels) refuse(node, `its bias must hold ${channels} values`);
    if (v.zeroPoint.some((z) => z !== 0)) refuse(node, 'its bias zero point must be 0');
    const scale = v.scale.length === 1 ? new Array<number>(channels).fill(v.scale[0]!) : [...v.scale];
    if (int8) {
      for (let c = 0; c < channels; c++) {
        const expected = inQuant!.scale[0]! * wQuant!.scale[wQuant!.scale.length === 1 ? 0 : c]!;
        if (Math.abs(scale[c]! - expected) > 1e-5 * expected) {
          refuse(
            node,
            `bias scale ${scale[c]} of channel ${c} is not input scale x weight scale (${expected})`,
          );
        }
      }
    }
    const irName = uniqueTensor(v.tensor.name);
    tensors.set(irName, {
      name: irName,
      shape: [channels],
      dtype: 'int32',
      data: v.tensor.data,
      quant: { scale, zeroPoint: new Array<number>(channels).fill(0), axis: 0 },
    });
    return irName;
  }

  const outputs = (g.output ?? []).map((o) => {
    const v = values.get(o.name ?? '');
    if (v === undefined || (v.kind !== 'float' && v.kind !== 'dq')) {
      return refuse(undefined, `its output '${o.name}' is not a float value computed by the graph`);
    }
    if (shapeOf(v.ir).length === 4 && v.layout !== 'nhwc') {
      refuse(undefined, `its rank-4 output '${o.name}' is not transposed back to NHWC`);
    }
    return v.ir;
  });
  // Tensors no node reads or writes (a constant replaced by its converted copy) are dropped.
  const used = new Set([inputName, ...irNodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  const kept: Record<string, IrTensor> = {};
  for (const [name, t] of tensors) if (used.has(name)) kept[name] = t;
  // onnxruntime's QLinearAdd rounds in the file's 8-bit domain: the compiler needs to know which.
  const uint8 = (g.node ?? []).some((n) => {
    if (n.opType !== 'QuantizeLinear') return false;
    const zp = values.get((n.input ?? [])[2] ?? '');
    return zp === undefined || (zp.kind === 'const' && zp.tensor.dataType === DT.UINT8);
  });
  return validateGraph({
    name: options.name ?? g.name ?? 'model',
    tensors: kept,
    nodes: irNodes,
    inputs: [inputName],
    outputs,
    metadata: { props: { [ONNX_ACTIVATIONS_PROP]: uint8 ? 'uint8' : 'int8' } },
  });
}
