/**
 * Stage quantize: int8 quantisation (the optimizer's quantize pass through quantizeModelPackage:
 * PTQ, QAT or dynamic) of prune/pruned into quantize/int8: model.int8.onnx (QDQ or QOperator) and
 * model.int8.tflite, accuracy float vs int8 in onnxruntime-node, onnxruntime-web and tfjs-tflite on
 * the evaluation images, and ORT latency.
 */
import { join } from 'node:path';
import { EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
import { quantizeModelPackage } from '@edgeml/optimizer';
import type { PipelineStage } from '../engine/stage.js';

/** Stage 4: int8 quantisation. */
export const quantizeStage: PipelineStage = {
  name: 'quantize',
  // 3: the output is the quantize pass's package (lineage step kind 'pass'; QAT keeps the fine-tuned model).
  version: 3,
  title: 'int8 quantisation',
  config: (c) => ({ dataset: { ...c.dataset }, evalImages: c.evalImages, quantize: { ...c.quantize } }),
  inputs: async (ctx) => [await ctx.packageInput('prune', 'pruned')],
  async run(ctx, dir) {
    const { config: c } = ctx;
    const q = c.quantize;
    const dataset = await ctx.dataset();
    const { report } = await quantizeModelPackage(ctx.packageDir('prune', 'pruned'), join(dir, 'int8'), {
      method: q.method,
      ...(q.method === 'ptq' && {
        calibration: q.calibration,
        percentile: q.percentile,
        calibrationImages: q.calibrationImages,
      }),
      evalImages: c.evalImages ?? dataset.split('test').size,
      latencyRuns: q.latencyRuns,
      perTensor: q.perTensor,
      keepFloat: q.keepFloat,
      onnxFormat: q.onnxFormat,
      dataset,
      toolVersion: TOOL_VERSION,
      onProgress: ctx.onProgress,
      ...(q.maxDrop !== null && { maxDrop: q.maxDrop }),
      ...(q.method === 'qat' && {
        qat: {
          epochs: q.qatEpochs,
          batchSize: q.qatBatchSize,
          learningRate: q.qatLearningRate,
          teacherWeight: q.qatTeacherWeight,
          seed: q.qatSeed,
          images: q.qatImages,
        },
      }),
    });
    const ort = report.accuracy.find((a) => a.runtime === 'onnxruntime-node');
    return {
      packages: { int8: 'int8' },
      report: {
        method: report.method,
        onnxFormat: report.onnxFormat,
        calibration: report.calibration,
        calibrationImages: report.calibrationImages,
        evalImages: report.evalImages,
        accuracy: ort?.int8 ?? null,
        floatAccuracy: ort?.float ?? null,
        accuracyByRuntime: report.accuracy.map((a) => ({ ...a })),
        files: report.files.map((f) => ({ ...f })),
        latencyMs: report.latencyMs.map((l) => ({ ...l })),
        floatNodes: report.floatNodes.length,
        int8Nodes: report.int8Nodes.length,
        ...(report.qat && { qat: { ...report.qat, epochLosses: [...report.qat.epochLosses] } }),
      },
    };
  },
};
