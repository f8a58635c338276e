/**
 * `edgeml quantize`: int8 quantisation of a model package (static PTQ with calibration,
 * quantisation-aware fine-tuning, or dynamic weights-only) by the optimizer's quantize pass
 * (quantizeModelPackage), writing model.int8.onnx and model.int8.tflite with a report (sizes,
 * accuracy float vs int8 in onnxruntime-node, onnxruntime-web and tfjs-tflite, latency, kernels).
 */
import { resolve } from 'node:path';
import { ConfigError, optionsFromFlags } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import {
  QAT_FLAT_OPTIONS,
  QAT_OPTIONS,
  QUANTIZE_OPTIONS,
  type QuantizePackageOptions,
  quantizeModelPackage,
  validateQuantizeConfig,
} from '@edgeml/optimizer';
import { BACKEND_NAMES } from '@edgeml/trainer';
import type { Command } from '../command.js';
import { datasetGiven, datasetOverride } from '../dataset-from-options.js';
import { declaredOptions, flagsOf, MODEL_DATASET_OPTIONS, stringOption } from '../options.js';
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
    'pnpm edgeml quantize --model runs/cnn-small --eval 10000 --plan-for ort-web,ort-node --out runs/cnn-small-int8',
  ],
  options: {
    model: { type: 'string', placeholder: 'DIR', description: 'model package to quantise' },
    ...flagsOf(QUANTIZE_OPTIONS),
    ...flagsOf(QAT_FLAT_OPTIONS),
    ...MODEL_DATASET_OPTIONS,
    backend: {
      type: 'string',
      placeholder: 'NAME',
      description: `qat: TF.js backend (${BACKEND_NAMES.join(', ')}; default: auto)`,
    },
    threads: { type: 'string', placeholder: 'N', description: 'qat: wasm threads' },
    out: { type: 'string', placeholder: 'DIR', description: 'package to write', default: '<model>-int8' },
  },
  async run(values, out) {
    const modelDir = stringOption(values, 'model');
    const outDir = resolve(stringOption(values, 'out', `${modelDir.replace(/\/+$/, '')}-int8`));
    // The flags the user gave, checked with the declarations (the pipeline's messages), then the
    // pass's own rules (settings the chosen method would ignore are refused).
    const given = optionsFromFlags(QUANTIZE_OPTIONS, values);
    declaredOptions(QUANTIZE_OPTIONS, values, 'quantize');
    declaredOptions(QAT_FLAT_OPTIONS, values, 'quantize');
    const qat = optionsFromFlags(QAT_OPTIONS, values);
    const config = { ...given, ...(Object.keys(qat).length > 0 && { qat }) };
    const { method } = validateQuantizeConfig(config);
    const backendFlags = ['backend', 'threads'].filter((f) => values[f] !== undefined);
    if (method !== 'qat' && backendFlags.length > 0) {
      throw new ConfigError(
        `quantize: ${backendFlags.map((f) => `--${f}`).join(', ')} appl${backendFlags.length === 1 ? 'ies' : 'y'} to method 'qat' only (the TF.js backend that fine-tunes), got method '${method}'`,
        { option: backendFlags[0] },
      );
    }
    if (method === 'qat') await selectBackendFromOptions(values, out);
    // The model's own data set unless --dataset/--data-dir name another (checked against the model).
    const dataset = datasetGiven(values)
      ? datasetOverride(values, (await readModelPackageDir(modelDir)).manifest)
      : undefined;
    const progress = createProgressDisplay(out);
    let result: Awaited<ReturnType<typeof quantizeModelPackage>>;
    try {
      result = await quantizeModelPackage(modelDir, outDir, {
        ...(config as QuantizePackageOptions),
        toolVersion: TOOL_VERSION,
        onProgress: progress.onProgress,
        ...(dataset ? { dataset } : {}),
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
    for (const p of r.plans ?? []) {
      const us = (v: number | null) => (v === null ? '-' : v.toFixed(0));
      const ci = (s: { speedup: number; low: number; high: number }) =>
        `${s.speedup.toFixed(2)}x [${s.low.toFixed(2)}, ${s.high.toFixed(2)}]`;
      out.print(`plan for ${p.runtime} (per-node times from onnxruntime's profiler, batch 1):`);
      out.print(
        formatTable(
          ['layer', 'float us', 'int8 us', 'int8 slower'],
          p.layers.map((l) => [
            l.node,
            us(l.floatUs),
            us(l.int8Us),
            p.slowerInInt8.includes(l.node) ? 'yes' : '',
          ]),
        ),
      );
      out.print(`  int8 file vs float: ${ci(p.int8VsFloat)} (interleaved A/B, 95% interval)`);
      if (p.planVsInt8) {
        out.print(`  ${p.slowerInInt8.join(', ')} kept float vs the int8 file: ${ci(p.planVsInt8)}`);
      }
      for (const r of p.giveBack) {
        out.print(
          `  ${r.node} back to int8 (smaller file), speed-up over keeping it float: ${ci(r.vsPlan)}: ${r.taken ? 'taken' : 'refused (more than 2% slower)'}`,
        );
      }
      out.print(
        `  ${p.runtime} loads ${p.file}${p.chosen === 'plan' ? ` (${ci(p.chosenVsFloat)} vs float${p.accuracy === null ? '' : `, top-1 ${(p.accuracy * 100).toFixed(2)}%`})` : ''}`,
      );
    }
    out.print(`wrote ${outDir}`);
    return 0;
  },
};
