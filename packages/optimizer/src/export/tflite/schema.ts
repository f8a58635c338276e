/**
 * The subset of the TFLite flatbuffer schema (tensorflow/lite/schema/schema.fbs, `namespace tflite`,
 * `file_identifier "TFL3"`) that the emitter writes: enum values and the field ids (vtable slots) of
 * every table it touches. Values are copied from schema.fbs; union members count from 1 (0 = NONE),
 * and a union field takes two slots (`<name>_type` then `<name>`).
 */

/** Schema version written into `Model.version`. */
export const TFLITE_SCHEMA_VERSION = 3;

/** The 4-byte file identifier of a `.tflite` flatbuffer. */
export const TFLITE_FILE_IDENTIFIER = 'TFL3';

/** Byte alignment of `Buffer.data` (`force_align: 16` in the schema). */
export const TFLITE_BUFFER_ALIGNMENT = 16;

/** `enum TensorType : byte` (subset). */
export const TensorType = { FLOAT32: 0, INT32: 2, INT8: 9 } as const;

/** `enum BuiltinOperator : int32` (the ops the emitter writes). */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  PAD: 34,
  MEAN: 40,
  QUANTIZE: 114,
  HARD_SWISH: 117,
} as const;

/** Name of a builtin operator the emitter writes. */
export type BuiltinOperatorName = keyof typeof BuiltinOperator;

/** Codes at or above this value live only in `OperatorCode.builtin_code` (schema 3a). */
export const PLACEHOLDER_FOR_GREATER_OP_CODES = 127;

/** `union BuiltinOptions` member indices (subset; 0 = NONE). */
export const BuiltinOptionsType = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  ReducerOptions: 27,
  HardSwishOptions: 91,
} as const;

/** `enum Padding : byte`. */
export const Padding = { SAME: 0, VALID: 1 } as const;

/** `enum ActivationFunctionType : byte` (subset). */
export const ActivationFunctionType = { NONE: 0, RELU: 1, RELU6: 3 } as const;

/** Field ids (vtable slots) of the tables the emitter writes, as declared in schema.fbs. */
export const Field = {
  /** `table Model`. */
  Model: {
    version: 0,
    operator_codes: 1,
    subgraphs: 2,
    description: 3,
    buffers: 4,
    metadata_buffer: 5,
    metadata: 6,
    signature_defs: 7,
    count: 8,
  },
  /** `table OperatorCode`. */
  OperatorCode: { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3, count: 4 },
  /** `table SubGraph`. */
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4, count: 5 },
  /** `table Tensor` (`sparsity` = 6, `has_rank` = 8 unused). */
  Tensor: {
    shape: 0,
    type: 1,
    buffer: 2,
    name: 3,
    quantization: 4,
    is_variable: 5,
    shape_signature: 7,
    count: 8,
  },
  /** `table QuantizationParameters` (`details` union = 4/5). */
  QuantizationParameters: { min: 0, max: 1, scale: 2, zero_point: 3, quantized_dimension: 6, count: 7 },
  /** `table Operator` (`builtin_options` union: type slot 3, value slot 4). */
  Operator: { opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, count: 5 },
  /** `table Buffer` (`offset` = 1, `size` = 2 only for models over 2 GB). */
  Buffer: { data: 0, count: 1 },
  /** `table Metadata`. */
  Metadata: { name: 0, buffer: 1, count: 2 },
  /** `table Conv2DOptions`. */
  Conv2DOptions: {
    padding: 0,
    stride_w: 1,
    stride_h: 2,
    fused_activation_function: 3,
    dilation_w_factor: 4,
    dilation_h_factor: 5,
    count: 6,
  },
  /** `table DepthwiseConv2DOptions`. */
  DepthwiseConv2DOptions: {
    padding: 0,
    stride_w: 1,
    stride_h: 2,
    depth_multiplier: 3,
    fused_activation_function: 4,
    dilation_w_factor: 5,
    dilation_h_factor: 6,
    count: 7,
  },
  /** `table Pool2DOptions`. */
  Pool2DOptions: {
    padding: 0,
    stride_w: 1,
    stride_h: 2,
    filter_width: 3,
    filter_height: 4,
    fused_activation_function: 5,
    count: 6,
  },
  /** `table FullyConnectedOptions`. */
  FullyConnectedOptions: { fused_activation_function: 0, weights_format: 1, keep_num_dims: 2, count: 3 },
  /** `table SoftmaxOptions`. */
  SoftmaxOptions: { beta: 0, count: 1 },
  /** `table ConcatenationOptions`. */
  ConcatenationOptions: { axis: 0, fused_activation_function: 1, count: 2 },
  /** `table AddOptions` (`pot_scale_int16` = 1, int16 only). */
  AddOptions: { fused_activation_function: 0, count: 1 },
  /** `table MulOptions`. */
  MulOptions: { fused_activation_function: 0, count: 1 },
  /** `table ReshapeOptions`. */
  ReshapeOptions: { new_shape: 0, count: 1 },
  /** `table ReducerOptions`. */
  ReducerOptions: { keep_dims: 0, count: 1 },
} as const;
