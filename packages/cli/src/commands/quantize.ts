/**
 * `edgeml quantize`: int8 quantisation of a model package (static PTQ with calibration,
 * quantisation-aware fine-tuning, or dynamic weights-only) by the optimizer's quantize pass
 * (quantizeModelPackage), writing model.int8.onnx and model.int8.tflite with a report (sizes,
 * accuracy float vs int8 in onnxruntime-node, onnxruntime-web and tfjs-tflite, latency, kernels).
 */
import { resolve } from 'node:path';
import { ConfigError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import {
  CALIBRATION_METHODS,
  ONNX_QUANT_FORMATS,
  QUANTIZATION_METHODS,
  quantizeModelPackage,
} from '@edgeml/optimizer';
import { BACKEND_NAMES } from '@edgeml/trainer';
import type { Command } from '../command.js';
import { datasetOverride } from '../dataset-from-options.js';
import {
  choiceOption,
  DATASET_OPTIONS,
  intOption,
  numberOption,
  optionalString,
  stringOption,
} from '../options.js';
import { formatTable } from '../output.js';
import { createProgressDisplay } from '../progress.js';
import { TOOL_VERSION } from '../version.js';
import { selectBackendFromOptions } from './pass-options.js';

export const quantizeCommand: Command = {
  name: 'quantize',
  summary:
    'int8 quantisation, PTQ or QAT (ONNX QDQ or QOperator, full-integer TFLite), with a measured report',
  examples: [
    'pnpm edgeml quantize --model runs/cnn-small --method ptq --calib 512 --calibration entropy --eval 10000 --out runs/cnn-small-int8',
    'pnpm edgeml quantize --model runs/cnn-small --method qat --qat-epochs 1 --eval 10000 --out runs/cnn-small-qat',
    'pnpm edgeml quantize --model runs/cnn-small --method dynamic --out runs/cnn-small-dyn',
  ],
  options: {
    model: { type: 'string', placeholder: 'DIR', description: 'model package to quantise' },
    method: {
      type: 'string',
      placeholder: 'ptq|qat|dynamic',
      description: 'quantisation method',
      default: 'ptq',
    },
    calib: {
      type: 'string',
      placeholder: 'N',
      description: 'ptq: calibration images from the training split (default: 512)',
    },
    calibration: {
      type: 'string',
      placeholder: 'minmax|percentile|entropy',
      description: 'ptq: range estimator (default: minmax)',
    },
    'per-tensor': { type: 'boolean', description: 'one weight scale per tensor instead of per channel' },
    'onnx-format': {
      type: 'string',
      placeholder: 'qdq|qoperator',
      description: 'model.int8.onnx as QDQ pairs around float ops, or the integer operators themselves',
      default: 'qdq',
    },
    'keep-float': {
      type: 'string',
      placeholder: 'NODES',
      description: 'comma-separated node names to keep float (the report lists the int8 nodes)',
    },
    'max-drop': {
      type: 'string',
      placeholder: 'POINTS',
      description: 'keep the most sensitive layers float until top-1 drops at most this much',
    },
    eval: {
      type: 'string',
      placeholder: 'N',
      description: 'test images for accuracy (0 = skip)',
      default: '1000',
    },
    'latency-runs': {
      type: 'string',
      placeholder: 'N',
      description: 'timed ORT runs per latency',
      default: '200',
    },
    ...DATASET_OPTIONS,
    'qat-epochs': { type: 'string', placeholder: 'N', description: 'qat: fine-tuning epochs (default: 1)' },
    'qat-lr': { type: 'string', placeholder: 'X', description: 'qat: Adam learning rate (default: 1e-5)' },
    'qat-batch': { type: 'string', placeholder: 'N', description: 'qat: images per step (default: 64)' },
    'qat-teacher': {
      type: 'string',
      placeholder: 'W',
      description: "qat: weight in [0, 1] of the float model's predictions in the targets (default: 0.5)",
    },
    limit: {
      type: 'string',
      placeholder: 'N',
      description: 'qat: fine-tune on a seeded subset of N training images (default: all)',
    },
    backend: {
      type: 'string',
      placeholder: 'NAME',
      description: `qat: TF.js backend (${BACKEND_NAMES.join(', ')}) (default: auto)`,
    },
    threads: { type: 'string', placeholder: 'N', description: 'qat: wasm threads' },
    out: { type: 'string', placeholder: 'DIR', description: 'package to write', default: '<model>-int8' },
  },
  async run(values, out) {
    const modelDir = stringOption(values, 'model');
    const outDir = resolve(stringOption(values, 'out', `${modelDir.replace(/\/+$/, '')}-int8`));
    const method = choiceOption(values, 'method', QUANTIZATION_METHODS, 'ptq');
    // Flags the chosen method would ignore are mistakes: say so instead of running without them.
    for (const [only, flags] of [
      ['ptq', ['calib', 'calibration']],
      ['qat', ['qat-epochs', 'qat-lr', 'qat-batch', 'qat-teacher', 'limit', 'backend', 'threads']],
    ] as const) {
      const given = flags.filter((f) => values[f] !== undefined);
      if (method !== only && given.length > 0) {
        throw new ConfigError(
          `${given.map((f) => `--${f}`).join(', ')} appl${given.length === 1 ? 'ies' : 'y'} to --method ${only} only, got --method ${method}`,
          { option: given[0] },
        );
      }
    }
    const calibration = choiceOption(values, 'calibration', CALIBRATION_METHODS, 'minmax');
    const onnxFormat = choiceOption(values, 'onnx-format', ONNX_QUANT_FORMATS, 'qdq');
    const calibrationImages = intOption(values, 'calib', { min: 1, max: 100_000, fallback: 512 });
    const evalImages = intOption(values, 'eval', { min: 0, max: 100_000, fallback: 1000 });
    const latencyRuns = intOption(values, 'latency-runs', { min: 0, max: 100_000, fallback: 200 });
    const maxDrop =
      values['max-drop'] === undefined ? undefined : numberOption(values, 'max-drop', { min: 0, max: 100 });
    // The model's own data set unless --dataset/--data-dir name another (checked against the model).
    const dataset = datasetOverride(values, (await readModelPackageDir(modelDir)).manifest);
    const keepFloat = (optionalString(values, 'keep-float') ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n.length > 0);
    const qat =
      method === 'qat'
        ? {
            epochs: intOption(values, 'qat-epochs', { min: 1, max: 1000, fallback: 1 }),
            learningRate: numberOption(values, 'qat-lr', { min: 0, fallback: 1e-5 }),
            batchSize: intOption(values, 'qat-batch', { min: 1, max: 65_536, fallback: 64 }),
            teacherWeight: numberOption(values, 'qat-teacher', { min: 0, max: 1, fallback: 0.5 }),
            ...(values.limit !== undefined ? { images: intOption(values, 'limit', { min: 1 }) } : {}),
          }
        : undefined;
    if (qat) await selectBackendFromOptions(values, out);
    const progress = createProgressDisplay(out);
    let result: Awaited<ReturnType<typeof quantizeModelPackage>>;
    try {
      result = await quantizeModelPackage(modelDir, outDir, {
        method,
        ...(method === 'ptq' ? { calibration, calibrationImages } : {}),
        evalImages,
        latencyRuns,
        perTensor: values['per-tensor'] === true,
        onnxFormat,
        toolVersion: TOOL_VERSION,
        onProgress: progress.onProgress,
        ...(maxDrop !== undefined ? { maxDrop } : {}),
        ...(keepFloat.length > 0 ? { keepFloat } : {}),
        ...(dataset ? { dataset } : {}),
        ...(qat ? { qat } : {}),
      });
    } finally {
      progress.stop();
    }
    const r = result.report;
    if (out.json) {
      out.printJson({ out: outDir, report: r });
      return 0;
    }
    out.print(
      formatTable(
        ['file', 'float bytes', 'int8 bytes', 'ratio'],
        r.files.map((f) => [f.path, f.floatBytes, f.int8Bytes, f.ratio.toFixed(2)]),
      ),
    );
    if (r.accuracy.length > 0) {
      const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
      out.print(
        formatTable(
          ['runtime', 'float top-1', 'int8 top-1', 'agreement'],
          r.accuracy.map((a) => [a.runtime, pct(a.float), pct(a.int8), pct(a.top1Agreement)]),
        ),
      );
    }
    if (r.latencyMs.length > 0) {
      out.print(
        formatTable(
          ['batch', 'float ms', 'int8 ms', 'speedup'],
          r.latencyMs.map((l) => [l.batch, l.float.toFixed(3), l.int8.toFixed(3), l.speedup.toFixed(2)]),
        ),
      );
    }
    out.print(`int8 kernels (onnxruntime-node, ${r.onnxFormat}): ${Object.keys(r.kernels.int8).join(', ')}`);
    if (r.qat) {
      out.print(
        `qat: ${r.qat.epochs} epoch(s) on ${r.qat.images} images, ${r.qat.steps} steps, loss ${r.qat.epochLosses
          .map((l) => l.toFixed(4))
          .join(' -> ')}, ${r.qat.seconds.toFixed(0)} s on ${r.qat.backend}`,
      );
    }
    if (r.accuracyAware) out.print(`kept float: ${r.accuracyAware.keptFloat.join(', ') || 'none'}`);
    out.print(`wrote ${outDir}`);
    return 0;
  },
};
