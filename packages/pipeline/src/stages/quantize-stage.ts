/**
 * Stage quantize: int8 quantisation (the optimizer's quantize pass through quantizeModelPackage:
 * PTQ, QAT or dynamic) of the model the run continues from after prune, into quantize/int8:
 * model.int8.onnx (QDQ or QOperator) and model.int8.tflite, accuracy float vs int8 in
 * onnxruntime-node, onnxruntime-web and tfjs-tflite on the evaluation images, and ORT latency. The
 * quantize-gate stage judges the int8 model against its float parent on the objective's target.
 */
import { join } from 'node:path';
import { EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
import { loadPassPackage, quantizeModelPackage, savePassPackage } from '@edgeml/optimizer';
import type { PipelineStage } from '../engine/stage.js';

/** Stage 4: int8 quantisation. */
export const quantizeStage: PipelineStage = {
  name: 'quantize',
  // 3: the output is the quantize pass's package (lineage step kind 'pass'; QAT keeps the fine-tuned model).
  // 4: runs on the continuation after prune's gate; the package is named 'int8'.
  version: 4,
  title: 'int8 quantisation',
  config: (c) => ({
    dataset: { ...c.dataset },
    evalImages: c.evalImages,
    quantize: { ...c.quantize },
  }),
  inputs: async (ctx) => {
    const from = ctx.continueFrom('prune-gate');
    return [await ctx.packageInput(from.stage, from.role)];
  },
  async run(ctx, dir) {
    const { config: c } = ctx;
    const q = c.quantize;
    const dataset = await ctx.dataset();
    const parent = ctx.continueFrom('prune-gate');
    const { report } = await quantizeModelPackage(
      ctx.packageDir(parent.stage, parent.role),
      join(dir, 'int8'),
      {
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
      },
    );
    // Named 'int8' (the pass keeps its source's name): the bench and the report tell it apart from
    // its float parent, whichever package that is after the gates.
    const int8 = await loadPassPackage(join(dir, 'int8'));
    await savePassPackage({ ...int8, manifest: { ...int8.manifest, name: 'int8' } }, join(dir, 'int8'));
    int8.model.dispose();
    const ort = report.accuracy.find((a) => a.runtime === 'onnxruntime-node');
    if (ort === undefined) throw new Error('the quantize report has no onnxruntime-node accuracy');
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
        parent: `${parent.stage}/${parent.role}`,
      },
    };
  },
};
