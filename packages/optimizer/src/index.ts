// @edgeml/optimizer: the graph IR, TF.js <-> IR conversion, IR passes and the ONNX and TFLite emitters.

export type { FromLayersModelOptions } from './convert/from-tfjs.js';
export { fromLayersModel, SUPPORTED_LAYER_CLASSES } from './convert/from-tfjs.js';
export { toLayersModel } from './convert/to-tfjs.js';
export type { EmitOnnxOptions, OnnxInputLayout } from './export/onnx/emit-onnx.js';
export { emitOnnx, ONNX_IR_VERSION, ONNX_METADATA_KEYS, ONNX_OPSET } from './export/onnx/emit-onnx.js';
export type { EmitOnnxQdqOptions, OnnxActivationType } from './export/onnx/emit-qdq.js';
export { emitOnnxQdq } from './export/onnx/emit-qdq.js';
export type { EmitOnnxQOperatorOptions } from './export/onnx/emit-qoperator.js';
export { emitOnnxQOperator } from './export/onnx/emit-qoperator.js';
export type { ExportOnnxOptions, OnnxExport } from './export/onnx/export-onnx.js';
export { exportOnnx } from './export/onnx/export-onnx.js';
export type { KernelCounts, ProfileOnnxOptions } from './export/onnx/ort-profile.js';
export { profileOnnxKernels } from './export/onnx/ort-profile.js';
export type {
  MeasureParityOptions,
  OrtOptimizationLevel,
  ParityImages,
  ParityReport,
  ParityRow,
  ParityRuntime,
  ParitySession,
  ParitySignature,
} from './export/onnx/parity.js';
export {
  formatParityTable,
  measureParity,
  onnxruntimeNodeRuntimes,
  readOnnxSignature,
} from './export/onnx/parity.js';
/** onnx-proto's `onnx` namespace (ModelProto.decode/encode), for readers of ONNX files such as @edgeml/compiler's. */
export { onnx as onnxProto } from './export/onnx/proto.js';
export type {
  ExportedFile,
  ExportFormat,
  ExportPackageOptions,
  ExportPackageResult,
  FileParity,
} from './export/package/export-package.js';
export {
  EXPORT_FORMATS,
  EXPORT_OPTIONS,
  exportModelPackage,
  parseExportFormats,
} from './export/package/export-package.js';
export { parityImagesFor } from './export/package/parity-images.js';
export type { ExportPassReports, PreparedGraph, PrepareGraphOptions } from './export/prepare-graph.js';
export { prepareGraphForExport } from './export/prepare-graph.js';
export type { EmitTfliteInt8Options } from './export/tflite/emit-int8.js';
export { emitTfliteInt8 } from './export/tflite/emit-int8.js';
export type { EmitTfliteOptions, TfliteEdgemlMetadata } from './export/tflite/emit-tflite.js';
export { emitTflite, TFLITE_METADATA_NAME } from './export/tflite/emit-tflite.js';
export type { ExportTfliteOptions, TfliteExport } from './export/tflite/export-tflite.js';
export { exportTflite } from './export/tflite/export-tflite.js';
export { measureTfliteParity, tfliteNodeRuntime } from './export/tflite/parity.js';
export type { TfliteModelInfo, TfliteOperatorInfo, TfliteTensorInfo } from './export/tflite/read-tflite.js';
export { readTfliteMetadata, readTfliteModel } from './export/tflite/read-tflite.js';
export { TFLITE_FILE_IDENTIFIER, TFLITE_SCHEMA_VERSION } from './export/tflite/schema.js';
export { consumers, isInitializer, producers } from './ir/graph.js';
export { interpretGraph } from './ir/interpret.js';
export type { RefTensor } from './ir/reference-kernels.js';
export { convOutputSize, inferNodeShape, inferShapes, samePadding } from './ir/shape-inference.js';
export type {
  AddAttrs,
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
export type {
  DistillConfig,
  DistillModelReport,
  DistillReport,
} from './passes/distill/distill-pass.js';
export { DISTILL_OPTIONS, distillPass, validateDistillConfig } from './passes/distill/distill-pass.js';
export type { DistillationLossOptions } from './passes/distill/kd-loss.js';
export { distillationLoss, softTargetKl } from './passes/distill/kd-loss.js';
export type { InputRemap, TeacherLogitsMode } from './passes/distill/teacher-logits.js';
export { TEACHER_LOGITS_MODES, TeacherLogits } from './passes/distill/teacher-logits.js';
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
export type { ChannelAnalysis, ChannelSpace } from './passes/prune/channel-spaces.js';
export { analyzeChannels } from './passes/prune/channel-spaces.js';
export type { LayerSparsity, MagnitudeScope } from './passes/prune/magnitude-pruner.js';
export { MAGNITUDE_SCOPES, MagnitudePruner } from './passes/prune/magnitude-pruner.js';
export type { PruneConfig, PruneMethod, PruneModelReport, PruneReport } from './passes/prune/prune-pass.js';
export { PRUNE_METHODS, PRUNE_OPTIONS, prunePass, validatePruneConfig } from './passes/prune/prune-pass.js';
export type { PolynomialDecaySchedule } from './passes/prune/sparsity-schedule.js';
export { isPruningStep, sparsityAt } from './passes/prune/sparsity-schedule.js';
export type {
  ChannelCriterion,
  PrunedSpace,
  StructuredPruneOptions,
  StructuredPruneReport,
} from './passes/prune/structured-prune.js';
export { CHANNEL_CRITERIA, structuredPrune } from './passes/prune/structured-prune.js';
export type { InterleaveOptions, SpeedupInterval, TimedRun } from './passes/quantize/ab-latency.js';
export { interleavedSpeedup } from './passes/quantize/ab-latency.js';
export type { AccuracyAwareReport, LayerSensitivity } from './passes/quantize/accuracy-aware.js';
export { quantizeWithinAccuracy } from './passes/quantize/accuracy-aware.js';
export type {
  ActivationRanges,
  CalibrateOptions,
  CalibrationEngine,
  CollectOptions,
} from './passes/quantize/calibrate.js';
export {
  activationTensors,
  calibrate,
  collectHistograms,
  rangesFromHistograms,
} from './passes/quantize/calibrate.js';
export { fakeQuant, fakeQuantWeights } from './passes/quantize/fake-quant.js';
export { ValueHistogram } from './passes/quantize/histogram.js';
export type { Int8Output } from './passes/quantize/int8-reference.js';
export { interpretInt8Graph } from './passes/quantize/int8-reference.js';
export type {
  CompareFn,
  LayerTiming,
  PlanForRuntimeArgs,
  ProfileFn,
  RuntimePlan,
} from './passes/quantize/latency-plan.js';
export { layerTime, measuredOn, planForRuntime } from './passes/quantize/latency-plan.js';
export type {
  NodeProfile,
  NodeTime,
  ProfiledRuntime,
  ProfileInput,
} from './passes/quantize/profile-nodes.js';
export { PROFILED_RUNTIMES, profileNodeTimes } from './passes/quantize/profile-nodes.js';
export type { QatOptions, QatResult, QuantizeQatOptions } from './passes/quantize/qat.js';
export {
  qatFloatGraph,
  quantizationAwareTraining,
  quantizeQatModel,
  withFakeQuant,
  withFakeQuantWeights,
} from './passes/quantize/qat.js';
export type { TensorRange } from './passes/quantize/quant-math.js';
export {
  activationParams,
  dequantizeTensor,
  quantizeBias,
  quantizeTensor,
  quantizeWeights,
} from './passes/quantize/quant-math.js';
export type { QatConfig, QuantizeConfig } from './passes/quantize/quantize-config.js';
export {
  QAT_FLAT_OPTIONS,
  QAT_OPTIONS,
  QUANTIZE_OPTIONS,
  validateQuantizeConfig,
} from './passes/quantize/quantize-config.js';
export type {
  QuantizedWeight,
  QuantizeGraphOptions,
  QuantizeGraphReport,
  QuantizeMode,
} from './passes/quantize/quantize-graph.js';
export { isInt8Node, quantizeGraph, SOFTMAX_OUTPUT_PARAMS } from './passes/quantize/quantize-graph.js';
export type {
  QatPackageOptions,
  QuantizePackageOptions,
  QuantizePackageResult,
} from './passes/quantize/quantize-package.js';
export { quantizeModelPackage } from './passes/quantize/quantize-package.js';
export type { QuantizePassReport } from './passes/quantize/quantize-pass.js';
export { quantizePass } from './passes/quantize/quantize-pass.js';
export type {
  LabeledImages,
  OnnxQuantFormat,
  QatReport,
  QuantizationMethod,
  QuantizationReport,
  RuntimeAccuracy,
} from './passes/quantize/quantize-types.js';
export { ONNX_QUANT_FORMATS, QUANTIZATION_METHODS } from './passes/quantize/quantize-types.js';
export type { CalibrationMethod, RangeEstimatorOptions } from './passes/quantize/range-estimators.js';
export {
  CALIBRATION_METHODS,
  entropyThreshold,
  estimateRange,
  parseCalibrationMethod,
} from './passes/quantize/range-estimators.js';
export type { ModelSize, OrtLatency } from './pipeline/measure-model.js';
export { measureAccuracy, measureOrtLatency, measureSize } from './pipeline/measure-model.js';
export type {
  Pass,
  PassContext,
  PassDefinition,
  PassFactory,
  PassResult,
  TransformResult,
} from './pipeline/pass.js';
export { definePass } from './pipeline/pass.js';
export { cacheEntryDir, cacheKey, canonicalJson } from './pipeline/pass-cache.js';
export type { PackageContents, PassPackage } from './pipeline/pass-package.js';
export {
  buildPassPackage,
  loadPassPackage,
  PASS_REPORT_PATH,
  packageFromModel,
  savePassPackage,
} from './pipeline/pass-package.js';
export type { FoldBnPassReport } from './pipeline/passes/fold-bn-pass.js';
export { foldBnPass } from './pipeline/passes/fold-bn-pass.js';
export { PASSES } from './pipeline/registry.js';
