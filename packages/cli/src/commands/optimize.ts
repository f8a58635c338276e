/**
 * `edgeml optimize`: a recipe search on one deploy target. Trains (or reuses) the teacher of the
 * preset / config once, then tries recipes (student architecture, pruning method and sparsity,
 * PTQ or QAT int8 or float), each a pipeline run sharing the stage cache, within a wall-clock
 * budget; reports every tried recipe (accuracy, the target file's bytes, the speed-up against the
 * teacher on the target by interleaved A/B timing) and the Pareto front, and packages the chosen
 * model (the fastest within the accuracy budget, see CHOICE_RULE) for the target.
 */
import { join } from 'node:path';
import {
  loadPipelineConfig,
  PRESET_NAMES,
  parseDuration,
  parsePruneChoice,
  type Recipe,
  recipeSpace,
  runSearch,
  SEARCH_OPTIONS,
} from '@edgeml/pipeline';
import type { Command } from '../command.js';
import { choiceOption, declaredOptions, flagsOf, optionalString } from '../options.js';
import { formatTable } from '../output.js';
import { createProgressDisplay, formatDuration } from '../progress.js';

export const optimizeCommand: Command = {
  name: 'optimize',
  summary: 'search recipes (student, pruning, int8) for the best model on a target within an accuracy budget',
  examples: [
    'pnpm edgeml optimize --target worker --max-drop 1 --budget 30m',
    'pnpm edgeml optimize --target worker --max-drop 1 --budget 20m --reuse runs/pipeline-gate --students lenet5,cnn-tiny',
  ],
  options: {
    ...flagsOf(SEARCH_OPTIONS),
    config: {
      type: 'string',
      placeholder: 'FILE',
      description: 'pipeline config JSON (data set, teacher, pass settings), merged over the preset',
    },
    preset: {
      type: 'string',
      placeholder: 'NAME',
      description: "pipeline preset the recipes start from ('quick' or 'full')",
      default: 'quick',
    },
    out: { type: 'string', placeholder: 'DIR', description: 'search directory', default: 'runs/optimize' },
  },
  async run(values, out) {
    const o = declaredOptions(SEARCH_OPTIONS, values, 'optimize');
    const budgetS = parseDuration(o.budget);
    const prunes = o.prune.map((p) => parsePruneChoice(String(p)));
    const preset = choiceOption(values, 'preset', PRESET_NAMES, 'quick');
    const base = await loadPipelineConfig(
      preset,
      optionalString(values, 'config'),
      optionalString(values, 'out') ?? 'runs/optimize',
    );
    base.objective.maxAccuracyDrop = o.maxDrop;
    base.objective.targets = [o.target] as typeof base.objective.targets;
    base.objective.weights = [];
    const recipes: Recipe[] = recipeSpace(
      o.students as string[],
      prunes,
      (o.quantize as string[]).map((q) => (q === 'none' ? null : (q as 'ptq' | 'qat'))),
    );
    out.note(
      `optimize: ${recipes.length} recipes on ${o.target}, accuracy budget ${o.maxDrop} points, wall-clock budget ${formatDuration(budgetS)}`,
    );
    const { outDir, report } = await runSearch(
      { base, recipes, target: o.target, maxDrop: o.maxDrop, budgetS, reuse: o.reuse as string[] },
      { note: (line) => out.note(line), progress: () => createProgressDisplay(out) },
    );
    if (out.json) {
      out.printJson({ outDir, ...report });
      return 0;
    }
    out.print(
      formatTable(
        [
          'recipe',
          'accuracy',
          'drop',
          'precision',
          'bytes',
          `${report.target} speed-up`,
          'interval',
          'front',
          'chosen',
        ],
        report.points.map((p) => [
          p.label,
          `${(p.accuracy * 100).toFixed(2)}%`,
          p.dropPoints.toFixed(2),
          p.precision,
          p.bytes,
          `${p.speedup.toFixed(2)}x`,
          `[${p.low.toFixed(2)}, ${p.high.toFixed(2)}]`,
          p.front ? 'yes' : '',
          p.chosen ? 'CHOSEN' : '',
        ]),
      ),
    );
    if (report.skipped.length > 0) out.print(`not started (budget): ${report.skipped.length} recipes`);
    if (report.failed.length > 0)
      out.print(`failed: ${report.failed.map((f) => `${f.label} (${f.reason})`).join('; ')}`);
    out.print(`rule: ${report.rule}`);
    out.print(
      report.chosen === null
        ? 'chosen: none within the accuracy budget'
        : `chosen: ${report.chosen.label}; package: ${report.chosen.packageDir}`,
    );
    out.print(`${formatDuration(report.wallS)} in all; report: ${join(outDir, 'search.md')}, search.html`);
    return 0;
  },
};
