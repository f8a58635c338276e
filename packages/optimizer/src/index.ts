// @edgeml/optimizer: the graph IR, TF.js <-> IR conversion, IR passes and the ONNX emitter.

export type { FromLayersModelOptions } from './convert/from-tfjs.js';
export { fromLayersModel, SUPPORTED_LAYER_CLASSES } from './convert/from-tfjs.js';
export { toLayersModel } from './convert/to-tfjs.js';
export type { EmitOnnxOptions, OnnxInputLayout } from './export/onnx/emit-onnx.js';
export { emitOnnx, ONNX_IR_VERSION, ONNX_METADATA_KEYS, ONNX_OPSET } from './export/onnx/emit-onnx.js';
export type { ExportOnnxOptions, OnnxExport } from './export/onnx/export-onnx.js';
export { exportOnnx } from './export/onnx/export-onnx.js';
export type {
  OrtOptimizationLevel,
  ParityImages,
  ParityReport,
  ParityRow,
  ParityRuntime,
  ParitySession,
} from './export/onnx/parity.js';
export {
  formatParityTable,
  measureParity,
  onnxruntimeNodeRuntimes,
  readOnnxSignature,
} from './export/onnx/parity.js';
export { consumers, isInitializer, producers } from './ir/graph.js';
export { interpretGraph } from './ir/interpret.js';
export type { RefTensor } from './ir/reference-kernels.js';
export { convOutputSize, inferNodeShape, inferShapes, samePadding } from './ir/shape-inference.js';
export type {
  BatchNormAttrs,
  ConcatAttrs,
  Conv2DAttrs,
  DenseAttrs,
  DepthwiseConv2DAttrs,
  FusedActivation,
  GlobalAvgPoolAttrs,
  IrDType,
  IrGraph,
  IrMetadata,
  IrNode,
  IrNodeOf,
  IrShape,
  IrTensor,
  IrTensorData,
  NoAttrs,
  OpAttributeMap,
  OpType,
  PadAttrs,
  PaddingMode,
  PoolAttrs,
  QuantParams,
  ReshapeAttrs,
  SoftmaxAttrs,
} from './ir/types.js';
export { FUSED_ACTIVATIONS, OP_TYPES } from './ir/types.js';
export { validateGraph } from './ir/validate.js';
export type { DropIdentitiesReport, DroppedNode } from './passes/drop-identities/drop-identities.js';
export { dropIdentities } from './passes/drop-identities/drop-identities.js';
export type { FoldBatchNormReport, FoldedBatchNorm } from './passes/fold-bn/fold-batch-norm.js';
export { foldBatchNorm } from './passes/fold-bn/fold-batch-norm.js';
export type {
  FuseActivationsReport,
  FusedActivationEntry,
} from './passes/fuse-activations/fuse-activations.js';
export { fuseActivations } from './passes/fuse-activations/fuse-activations.js';
export type { IrPassResult, SkippedNode } from './passes/pass-result.js';
