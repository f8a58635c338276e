/**
 * The graph IR: one small typed graph of tensors and nodes that every pass and emitter works on.
 *
 * Layout (the one choice every emitter must honour):
 * - Activations are NHWC, TF.js's layout; the batch axis is dimension 0 and may be dynamic (-1).
 * - Conv2D weights are HWIO `[kh, kw, in, out]`, DepthwiseConv2D weights `[kh, kw, in, multiplier]`
 *   (output channel `c * multiplier + m`), Dense weights `[in, out]`: exactly TF.js's layouts, so
 *   importing from TF.js copies buffers and emitters (ONNX: OIHW) transpose once at export.
 * - Biases and BatchNorm parameters are `[channels]`.
 */

/** Element types a tensor can have. */
export type IrDType = 'float32' | 'int8' | 'int32';

/** Shape of a tensor; -1 marks the dynamic batch dimension (only ever dimension 0). */
export type IrShape = readonly number[];

/** Typed array holding an initializer's data, matching its dtype. */
export type IrTensorData = Float32Array | Int8Array | Int32Array;

/** Affine quantisation parameters: `real = scale * (q - zeroPoint)`, per tensor or per `axis`. */
export interface QuantParams {
  /** One scale per tensor, or one per slice along `axis`. */
  readonly scale: readonly number[];
  /** Zero points, same length as `scale`. */
  readonly zeroPoint: readonly number[];
  /** Axis of per-channel quantisation; absent for per-tensor. */
  readonly axis?: number;
}

/** A tensor: a graph input, an intermediate value, or an initializer (constant with `data`). */
export interface IrTensor {
  /** Unique name within the graph. */
  readonly name: string;
  /** Shape; -1 for the dynamic batch. */
  readonly shape: IrShape;
  /** Element type. */
  readonly dtype: IrDType;
  /** Constant contents (weights, biases); row-major in `shape`. */
  readonly data?: IrTensorData;
  /** Quantisation parameters, when the tensor is quantised. */
  readonly quant?: QuantParams;
}

/** Activation fused into a Conv2D / DepthwiseConv2D / Dense (or, ReLU/ReLU6 only, an Add) node. */
export type FusedActivation = 'none' | 'relu' | 'relu6' | 'sigmoid' | 'hardSwish';

/** Every fused activation, for validation messages. */
export const FUSED_ACTIVATIONS: readonly FusedActivation[] = [
  'none',
  'relu',
  'relu6',
  'sigmoid',
  'hardSwish',
];

/** Spatial padding scheme of convolutions and pools, TF semantics ('same' puts the odd pixel at the end). */
export type PaddingMode = 'same' | 'valid';

/** Attributes of Conv2D: inputs `[x, weight HWIO, bias?]`. */
export interface Conv2DAttrs {
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  readonly padding: PaddingMode;
  readonly activation: FusedActivation;
}

/** Attributes of DepthwiseConv2D: inputs `[x, weight [kh, kw, in, multiplier], bias?]`. */
export interface DepthwiseConv2DAttrs extends Conv2DAttrs {
  readonly depthMultiplier: number;
}

/** Attributes of Dense (fully connected on a rank-2 input): inputs `[x, weight [in, out], bias?]`. */
export interface DenseAttrs {
  readonly activation: FusedActivation;
}

/** Attributes of BatchNorm over the last axis: inputs `[x, gamma, beta, mean, variance]`. */
export interface BatchNormAttrs {
  readonly epsilon: number;
}

/** Attributes of MaxPool and AvgPool (AvgPool never counts padding, as in TF). */
export interface PoolAttrs {
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: PaddingMode;
}

/** Attributes of GlobalAvgPool: output `[N, C]`, or `[N, 1, 1, C]` with keepDims. */
export interface GlobalAvgPoolAttrs {
  readonly keepDims: boolean;
}

/** Attributes of Reshape: the target shape without the batch axis. */
export interface ReshapeAttrs {
  readonly shape: readonly number[];
}

/** Attributes of Concat: the NHWC axis (0-based, batch included, non-negative). */
export interface ConcatAttrs {
  readonly axis: number;
}

/** Attributes of Pad: zero padding of H and W as `[[top, bottom], [left, right]]`. */
export interface PadAttrs {
  readonly pads: readonly [readonly [number, number], readonly [number, number]];
}

/** Attributes of Softmax: the axis (non-negative). */
export interface SoftmaxAttrs {
  readonly axis: number;
}

/** No attributes. */
export type NoAttrs = Readonly<Record<string, never>>;

/**
 * Attributes of Add (element-wise sum of two or more inputs, broadcasting): an optional activation
 * applied to the sum (fuseActivations puts a ReLU/ReLU6 there, as TFLite's ADD carries it);
 * absent means 'none'.
 */
export interface AddAttrs {
  readonly activation?: FusedActivation;
}

/** The attributes of every op, keyed by op type. */
export interface OpAttributeMap {
  Conv2D: Conv2DAttrs;
  DepthwiseConv2D: DepthwiseConv2DAttrs;
  Dense: DenseAttrs;
  BatchNorm: BatchNormAttrs;
  ReLU: NoAttrs;
  ReLU6: NoAttrs;
  Sigmoid: NoAttrs;
  HardSwish: NoAttrs;
  Add: AddAttrs;
  Mul: NoAttrs;
  MaxPool: PoolAttrs;
  AvgPool: PoolAttrs;
  GlobalAvgPool: GlobalAvgPoolAttrs;
  Flatten: NoAttrs;
  Reshape: ReshapeAttrs;
  Concat: ConcatAttrs;
  Pad: PadAttrs;
  Softmax: SoftmaxAttrs;
  Identity: NoAttrs;
}

/** Name of an IR op. */
export type OpType = keyof OpAttributeMap;

/** Every op type of the IR. */
export const OP_TYPES: readonly OpType[] = [
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

/** A node of op `K`: reads `inputs`, writes `outputs` (tensor names). */
export interface IrNodeOf<K extends OpType> {
  /** Unique node name (the TF.js layer name when imported). */
  readonly name: string;
  /** Op type. */
  readonly op: K;
  /** Input tensor names, in the op's order. */
  readonly inputs: readonly string[];
  /** Output tensor names (one for every op of this IR). */
  readonly outputs: readonly string[];
  /** Op attributes. */
  readonly attrs: OpAttributeMap[K];
}

/** Any node, discriminated on `op`. */
export type IrNode = { [K in OpType]: IrNodeOf<K> }[OpType];

/** What a model expects around it: class labels and the image preprocessing (plain JSON). */
export interface IrMetadata {
  /** Class names, index = class id. */
  readonly labels?: readonly string[];
  /** Preprocessing description (the manifest's `preprocessing` object). */
  readonly preprocessing?: Readonly<Record<string, unknown>>;
  /** Further string properties copied verbatim into exported files. */
  readonly props?: Readonly<Record<string, string>>;
}

/** A whole model: tensors by name, nodes in topological order, inputs and outputs. */
export interface IrGraph {
  /** Model name. */
  readonly name: string;
  /** Every tensor (inputs, intermediates, initializers), by name. */
  readonly tensors: Readonly<Record<string, IrTensor>>;
  /** Nodes in topological order. */
  readonly nodes: readonly IrNode[];
  /** Graph input tensor names. */
  readonly inputs: readonly string[];
  /** Graph output tensor names. */
  readonly outputs: readonly string[];
  /** Labels, preprocessing, free properties. */
  readonly metadata: IrMetadata;
}
