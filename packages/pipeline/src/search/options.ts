/**
 * The options of `edgeml optimize`, declared once (core's declare.ts): the deploy target, the
 * accuracy budget, the wall-clock budget and the recipe space (students, pruning, quantisation).
 * The budget is a duration (`30m`, `90s`, `1h30m`), parsed by parseDuration; the pruning choices
 * are `none` or `METHOD:SPARSITY` (`structured:0.25`, `magnitude:0.5`), parsed by parsePruneChoice.
 * A bad value is a ConfigError naming the flag.
 */
import { ConfigError, type OptionDecls } from '@edgeml/core';
import { ZOO_MODEL_NAMES } from '@edgeml/trainer';
import { OBJECTIVE_TARGETS } from '../gate/target-latency.js';

/** Students the search may try; `none` keeps the teacher's architecture (no distillation). */
export const SEARCH_STUDENTS = ['none', ...ZOO_MODEL_NAMES] as const;
/** Quantisation choices: `none` (float32), `ptq` (int8 post-training), `qat` (int8 quantisation-aware training). */
export const SEARCH_QUANTIZE = ['none', 'ptq', 'qat'] as const;

/** `edgeml optimize`'s options. */
export const SEARCH_OPTIONS = {
  target: {
    kind: 'choice',
    values: OBJECTIVE_TARGETS,
    default: 'worker',
    description:
      "deploy target the recipes are timed on ('worker', 'ort-web', 'chromium': onnxruntime-web wasm in-process, 1 thread)",
  },
  maxDrop: {
    kind: 'number',
    min: 0,
    max: 100,
    default: 1,
    placeholder: 'POINTS',
    description: 'accuracy budget: points the chosen model may lose against the teacher (full test split)',
  },
  budget: {
    kind: 'string',
    default: '30m',
    placeholder: 'DURATION',
    description:
      'wall-clock budget (30m, 90s, 1h30m): no recipe starts whose estimate no longer fits; one in flight finishes',
  },
  students: {
    kind: 'list',
    values: SEARCH_STUDENTS,
    default: ['none', 'lenet5', 'cnn-tiny'],
    placeholder: 'NAME[,NAME]',
    description: "student architectures to distil into ('none': the teacher's own)",
  },
  prune: {
    kind: 'list',
    default: ['none', 'structured:0.25', 'structured:0.5', 'magnitude:0.5'],
    placeholder: 'CHOICE[,CHOICE]',
    description: "pruning choices: 'none' or METHOD:SPARSITY (structured:0.25, magnitude:0.5)",
  },
  quantize: {
    kind: 'list',
    values: SEARCH_QUANTIZE,
    default: ['none', 'ptq', 'qat'],
    placeholder: 'CHOICE[,CHOICE]',
    description: "quantisation choices: 'none' (float32), 'ptq' or 'qat' (int8)",
  },
  reuse: {
    kind: 'list',
    minItems: 0,
    default: [],
    placeholder: 'DIR[,DIR]',
    description:
      'earlier pipeline run directories whose finished stages may be reused (matched by stage key, copied)',
  },
} as const satisfies OptionDecls;

const UNIT_S: Readonly<Record<string, number>> = { h: 3600, m: 60, s: 1 };

/** Seconds of a duration such as `30m`, `90s`, `1h30m`, `1.5h`; ConfigError otherwise. */
export function parseDuration(text: string, option = 'budget'): number {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?[hms])+$/.test(trimmed))
    throw new ConfigError(`--${option} must be a duration such as 30m, 90s or 1h30m, got '${text}'`, {
      option,
      value: text,
    });
  let seconds = 0;
  for (const [, n, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)([hms])/g))
    seconds += Number(n) * (UNIT_S[unit as string] as number);
  if (!(seconds > 0))
    throw new ConfigError(`--${option} must be longer than 0s, got '${text}'`, { option, value: text });
  return seconds;
}

/** One pruning choice of a recipe. */
export interface PruneChoice {
  readonly method: 'structured' | 'magnitude';
  readonly sparsity: number;
}

/** `none` (null) or `structured:0.25` / `magnitude:0.5`; ConfigError otherwise. */
export function parsePruneChoice(text: string): PruneChoice | null {
  if (text === 'none') return null;
  const m = /^(structured|magnitude):(\d*\.?\d+)$/.exec(text.trim());
  const sparsity = m ? Number(m[2]) : Number.NaN;
  if (m === null || !(sparsity > 0 && sparsity < 1))
    throw new ConfigError(
      `--prune must list 'none' or METHOD:SPARSITY with METHOD structured or magnitude and SPARSITY in (0, 1), got '${text}'`,
      { option: 'prune', value: text },
    );
  return { method: m[1] as PruneChoice['method'], sparsity };
}
