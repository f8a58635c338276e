/**
 * `edgeml prune`: structured channel pruning or magnitude pruning of a model package, fine-tuned
 * on the data set, into a new model package whose report compares the model before and after:
 * params, MACs, ONNX size (raw, gzip), accuracy before and after fine-tuning, ORT latency.
 */
import { resolve } from 'node:path';
import { loadPassPackage, PRUNE_OPTIONS, prunePass } from '@edgeml/optimizer';
import type { Command } from '../command.js';
import { loadDatasetForModel } from '../dataset-from-options.js';
import { declaredOptions, flagsOf, MODEL_DATASET_OPTIONS, stringOption } from '../options.js';
import { formatTable } from '../output.js';
import {
  FINETUNE_OPTIONS,
  millions,
  PASS_OPTIONS,
  percent,
  runPassCommand,
  selectBackendFromOptions,
  trainConfigFromOptions,
} from './pass-options.js';

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'prune a model package (structured channels or weight magnitude) and fine-tune it',
  examples: [
    'pnpm edgeml prune --model runs/cnn-small --method structured --sparsity 0.5 --finetune-epochs 2 --out runs/cnn-small-s50',
    'pnpm edgeml prune --model runs/cnn-small --method magnitude --sparsity 0.8 --finetune-epochs 2 --limit 10000 --out runs/cnn-small-m80',
  ],
  options: {
    ...MODEL_DATASET_OPTIONS,
    ...PASS_OPTIONS,
    ...flagsOf(FINETUNE_OPTIONS),
    ...flagsOf(PRUNE_OPTIONS),
    model: { type: 'string', placeholder: 'DIR', description: 'model package to prune' },
    out: { type: 'string', placeholder: 'DIR', description: 'package to write', default: '<model>-pruned' },
  },
  async run(values, out) {
    const modelDir = stringOption(values, 'model');
    const outDir = resolve(stringOption(values, 'out', `${modelDir.replace(/\/+$/, '')}-pruned`));
    const options = declaredOptions(PRUNE_OPTIONS, values, 'prune');
    const pass = prunePass.create({
      ...options,
      train: trainConfigFromOptions(values, 'prune', Math.max(1, options.finetuneEpochs)),
    });
    await selectBackendFromOptions(values, out);
    const input = await loadPassPackage(modelDir);
    const data = await loadDatasetForModel(values, input.manifest);
    const { report } = await runPassCommand(pass, input, data.forModel, values, outDir, out);
    if (out.json) {
      out.printJson({ out: outDir, ...report });
      return 0;
    }
    const o = report.original;
    const p = report.pruned;
    const latency = (r: typeof o, batch: number) => {
      const l = r.latency.find((x) => x.batch === batch);
      return l === undefined ? '-' : `${l.medianMs.toFixed(3)} ms`;
    };
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    out.print(
      formatTable(
        ['', 'original', 'pruned', 'ratio'],
        [
          ['params', o.params, p.params, ratio(o.params, p.params)],
          ['nonzero params', o.nonzeroParams, p.nonzeroParams, ratio(o.nonzeroParams, p.nonzeroParams)],
          ['MACs', millions(o.macs), millions(p.macs), ratio(o.macs, p.macs)],
          ['ONNX bytes', o.onnxBytes, p.onnxBytes, ratio(o.onnxBytes, p.onnxBytes)],
          ['ONNX gzip bytes', o.onnxGzipBytes, p.onnxGzipBytes, ratio(o.onnxGzipBytes, p.onnxGzipBytes)],
          ['ORT latency batch 1', latency(o, 1), latency(p, 1), '-'],
          ['ORT latency batch 32', latency(o, 32), latency(p, 32), '-'],
          [
            'test accuracy',
            percent(o.accuracy),
            percent(p.accuracy),
            `${((p.accuracy - o.accuracy) * 100).toFixed(2)} pts`,
          ],
        ],
      ),
    );
    out.print(
      `accuracy after pruning, before fine-tuning: ${percent(report.beforeFinetune.accuracy)}; ` +
        `${report.finetuneEpochs} fine-tuning epoch(s) on ${report.trainImages} images; ${report.testImages} test images`,
    );
    out.print(`wrote ${outDir}`);
    return 0;
  },
};
