/**
 * Top-1 agreement of each ok row with its model's float32 reference: the float32 ort-node row when
 * it ran, else the model's first float32 row that ran.
 */
import type { CaseResult, OkCase } from '../report/types.js';

/** The rows with `accuracy.agreement` and `accuracy.reference` filled in where a reference exists. */
export function withAgreement(rows: readonly CaseResult[]): CaseResult[] {
  const references = new Map<string, OkCase>();
  for (const row of rows) {
    if (row.status !== 'ok' || row.precision !== 'float32') continue;
    const current = references.get(row.model);
    if (!current || (row.target === 'ort-node' && current.target !== 'ort-node'))
      references.set(row.model, row);
  }
  return rows.map((row) => {
    const reference = references.get(row.model);
    if (row.status !== 'ok' || !reference) return row;
    const ref = reference.accuracy.predictions;
    const n = Math.min(ref.length, row.accuracy.predictions.length);
    if (n === 0) return row;
    let same = 0;
    for (let i = 0; i < n; i++) if (ref[i] === row.accuracy.predictions[i]) same++;
    return {
      ...row,
      accuracy: {
        ...row.accuracy,
        agreement: same / n,
        reference: `${reference.precision} ${reference.target}`,
      },
    };
  });
}
