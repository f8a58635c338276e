// Options declared once: for every option a pass command and the pipeline both expose, the CLI
// flag and the pipeline key have the same default and a bad value gets the same message.
import { BENCH_OPTIONS } from '@edgeml/bench';
import { ConfigError, expectedText, type OptionDecl, type OptionDecls, optionFlag } from '@edgeml/core';
import {
  DISTILL_OPTIONS,
  distillPass,
  EXPORT_OPTIONS,
  PRUNE_OPTIONS,
  prunePass,
  QAT_FLAT_OPTIONS,
  QUANTIZE_OPTIONS,
  quantizePass,
} from '@edgeml/optimizer';
import { PIPELINE_CONFIG_SCHEMA, PIPELINE_SECTIONS, validatePipelineConfig } from '@edgeml/pipeline';
import { TRAINING_OPTIONS } from '@edgeml/trainer';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';
import { COMMANDS } from './index.js';

const run = runCli;

/** A value the declaration refuses, as JSON and as a flag string; null when every value of it is valid. */
function badValue(decl: OptionDecl): { json: unknown; flag: string } | null {
  switch (decl.kind) {
    case 'number':
    case 'integer': {
      const v =
        decl.min !== undefined
          ? decl.minExclusive
            ? decl.min
            : decl.min - 1
          : decl.max !== undefined
            ? decl.max + 1
            : null;
      return v === null ? { json: 'abc', flag: 'abc' } : { json: v, flag: String(v) };
    }
    case 'choice':
      return { json: 'nope', flag: 'nope' };
    case 'list':
      // Free names accept any string: a repeated one is what they refuse.
      return decl.values === undefined && !decl.integers
        ? { json: ['a', 'a'], flag: 'a,a' }
        : { json: ['nope'], flag: 'nope' };
    default:
      return null;
  }
}

/** The pipeline message for `section.key = value`. */
function pipelineMessage(section: string, key: string, value: unknown): string {
  try {
    validatePipelineConfig({ [section]: { [key]: value } });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`pipeline accepted ${section}.${key} = ${JSON.stringify(value)}`);
}

const CASES: readonly {
  command: string;
  section: keyof typeof PIPELINE_SECTIONS;
  required: string[];
  decls: OptionDecls;
}[] = [
  { command: 'prune', section: 'prune', required: ['--model', 'nowhere'], decls: PRUNE_OPTIONS },
  {
    command: 'prune',
    section: 'prune',
    required: ['--model', 'nowhere'],
    decls: { ...TRAINING_OPTIONS, epochs: undefined } as unknown as OptionDecls,
  },
  { command: 'distill', section: 'distill', required: ['--teacher', 'nowhere'], decls: DISTILL_OPTIONS },
  { command: 'distill', section: 'distill', required: ['--teacher', 'nowhere'], decls: TRAINING_OPTIONS },
  { command: 'quantize', section: 'quantize', required: ['--model', 'nowhere'], decls: QUANTIZE_OPTIONS },
  {
    command: 'quantize',
    section: 'quantize',
    required: ['--model', 'nowhere', '--method', 'qat'],
    decls: QAT_FLAT_OPTIONS,
  },
  { command: 'bench', section: 'bench', required: ['--models', 'nowhere'], decls: BENCH_OPTIONS },
  { command: 'export', section: 'export', required: ['--model', 'nowhere'], decls: EXPORT_OPTIONS },
];

describe('pass and bench options: one declaration for the CLI and the pipeline', () => {
  for (const { command, section, required, decls } of CASES) {
    const sectionKeys = Object.keys(PIPELINE_SECTIONS[section].options);
    const flags = COMMANDS.find((c) => c.name === command)?.options ?? {};
    for (const [key, decl] of Object.entries(decls)) {
      if (decl === undefined) continue;
      const bad = badValue(decl);
      const inPipeline = sectionKeys.includes(key);
      const flag = optionFlag(key, decl);
      if (bad === null || !inPipeline || flags[flag] === undefined) continue;
      it(`${command} --${flag} and ${section}.${key}: same message for ${bad.flag}`, async () => {
        const expected = pipelineMessage(section, key, bad.json);
        expect(expected).toBe(
          `${section}: '${key}' must be ${expectedText(decl)}, got ${JSON.stringify(bad.json)}`,
        );
        const { code, stderr } = await run([command, ...required, `--${flag}=${bad.flag}`]);
        expect(code).toBe(2);
        expect(stderr).toContain(expected);
      });
    }
  }

  it('every pass option has one default: the pass, the pipeline schema and the CLI', () => {
    // Presets are recipes laid over these defaults (the quick preset's distill alpha is 0.7).
    const pipeline = validatePipelineConfig({});
    const passDefaults = {
      prune: prunePass.create({}).config,
      distill: distillPass.create({}).config,
      quantize: quantizePass.create({}).config,
    } as Record<string, Record<string, unknown>>;
    let compared = 0;
    for (const { command, section, decls } of CASES) {
      const flags = COMMANDS.find((c) => c.name === command)?.options ?? {};
      for (const [key, decl] of Object.entries(decls)) {
        if (decl === undefined || !(key in PIPELINE_SECTIONS[section].options)) continue;
        const schema = (
          PIPELINE_CONFIG_SCHEMA['properties'] as Record<
            string,
            { properties: Record<string, { default: unknown }> }
          >
        )[section]?.properties[key];
        expect(schema?.default, `schema ${section}.${key}`).toEqual(decl.default);
        expect((pipeline[section] as Record<string, unknown>)[key], `${section}.${key}`).toEqual(
          decl.default,
        );
        const flag = flags[optionFlag(key, decl)];
        if (flag !== undefined && flag.type === 'string' && decl.default !== null)
          expect(String(flag.default), `--${optionFlag(key, decl)}`).toBe(
            Array.isArray(decl.default) ? decl.default.join(',') : String(decl.default),
          );
        const pass = passDefaults[section];
        if (pass !== undefined && key in pass)
          expect(pass[key], `pass ${section}.${key}`).toEqual(decl.default);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(35);
  });
});
