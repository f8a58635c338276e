/** Validates a report against BENCH_REPORT_SCHEMA (Ajv); errors name the JSON path of each problem. */
import { EdgemlError } from '@edgeml/core';
import { Ajv, type ValidateFunction } from 'ajv';
import { BENCH_REPORT_SCHEMA } from './schema.js';
import type { BenchReport } from './types.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, validateFormats: false });
    compiled = ajv.compile(BENCH_REPORT_SCHEMA);
  }
  return compiled;
}

/** The schema problems of `value` ('/cases/2/latency/endToEnd must have required property p99'); empty when valid. */
export function reportProblems(value: unknown): string[] {
  const validate = validator();
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** Returns `value` typed as a BenchReport, or throws DATA_INVALID listing the first problems. */
export function validateReport(value: unknown): BenchReport {
  const problems = reportProblems(value);
  if (problems.length > 0) {
    throw new EdgemlError(
      'DATA_INVALID',
      `bench report does not match its schema: ${problems.slice(0, 5).join('; ')}`,
      {
        problems,
      },
    );
  }
  return value as BenchReport;
}
