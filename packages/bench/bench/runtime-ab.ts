/**
 * `pnpm bench:runtime-ab --model DIR [--precision float32] [--runtimes ort-web,edgeml-wasm]
 *  [--images 100] [--rounds 21]`: is runtime B faster than runtime A on this model, in Node?
 * `--runtimes edgeml-wasm --precisions float32,int8` asks the same of two precisions on one
 * runtime (A float32, B int8); their top-1 may differ, so the agreement is reported, not required.
 * Batch-1 inference time (`classify().timings.inference`: the runtime's run, not decoding or
 * preprocessing, which are the same code for both) on the model's own test images (a seeded
 * subset, as `edgeml bench` draws them), A and B interleaved: each round times every image on A
 * then on B, or B then A on odd rounds, so that drift of a shared machine hits both. Prints each
 * round's median per image and the A/B ratio of round medians: its median and the interval
 * between the 2nd smallest and 2nd largest of them (the "[a, b]" of the project's notes). Both
 * runtimes' top-1 must agree on every image: a faster wrong answer is no answer.
 */
import { parseArgs } from 'node:util';
import { readModelPackageDir } from '@edgeml/core/node';
import type { RuntimeName } from '@edgeml/runtime-edge';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { benchDataset, loadBenchImages } from '../src/run/images.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    precision: { type: 'string', default: 'float32' },
    precisions: { type: 'string' },
    runtimes: { type: 'string', default: 'ort-web,edgeml-wasm' },
    images: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '21' },
    seed: { type: 'string', default: '0' },
  },
});
if (values.model === undefined) throw new Error('--model DIR is required');
type Precision = 'float32' | 'int8';
const precisions = (values.precisions ?? `${values.precision},${values.precision}`).split(',') as Precision[];
if (precisions.length !== 2 || precisions.some((p) => p !== 'float32' && p !== 'int8')) {
  throw new Error(
    `--precision must be float32 or int8 and --precisions two of them (A,B), got ${values.precisions ?? values.precision}`,
  );
}
const runtimes = values.runtimes.split(',') as RuntimeName[];
if (runtimes.length === 1) runtimes.push(runtimes[0]!);
if (runtimes.length !== 2)
  throw new Error(`--runtimes takes two runtimes (A,B) or one, got ${values.runtimes}`);
const samePrecision = precisions[0] === precisions[1];
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 5)
  throw new Error(`--rounds must be an integer >= 5, got ${values.rounds}`);

const { manifest } = await readModelPackageDir(values.model);
const dataset = await benchDataset([manifest]);
const { pngs } = await loadBenchImages(dataset, Number(values.images), Number(values.seed));
const [a, b] = await Promise.all(
  runtimes.map((runtime, i) => createClassifier(values.model!, { runtime, precision: precisions[i]! })),
);
const classifiers = [a!, b!];
console.log(
  `${manifest.name}: A = ${runtimes[0]} ${precisions[0]} (${a!.file.path}), B = ${runtimes[1]} ${precisions[1]} (${b!.file.path}); ${pngs.length} ${dataset.info.name} test images, ${rounds} rounds`,
);

// Warm-up, and the agreement check (required of one precision on two runtimes).
let agreed = 0;
for (const png of pngs) {
  const [ra, rb] = await Promise.all(classifiers.map((c) => c.classify(png, { topK: 1 })));
  if (ra!.predictions[0]!.index === rb!.predictions[0]!.index) agreed++;
  else if (samePrecision) {
    throw new Error(
      `A and B disagree on an image: ${ra!.predictions[0]!.label} vs ${rb!.predictions[0]!.label}`,
    );
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ratios: number[] = [];
const medians: [number[], number[]] = [[], []];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  const times: [number[], number[]] = [[], []];
  for (const which of order) {
    for (const png of pngs)
      times[which as 0 | 1].push((await classifiers[which]!.classify(png, { topK: 1 })).timings.inference);
  }
  const ma = median(times[0]);
  const mb = median(times[1]);
  medians[0].push(ma);
  medians[1].push(mb);
  ratios.push(ma / mb);
}
await Promise.all(classifiers.map((c) => c.dispose()));
const sorted = [...ratios].sort((p, q) => p - q);
console.log(
  `inference median per image: A ${median(medians[0]).toFixed(3)} ms, B ${median(medians[1]).toFixed(3)} ms (medians of ${rounds} round medians)`,
);
console.log(
  `A/B time ratio (> 1: B faster): median ${median(ratios).toFixed(3)} [${sorted[1]!.toFixed(3)}, ${sorted[sorted.length - 2]!.toFixed(3)}] over ${rounds} rounds; top-1 agreed on ${agreed}/${pngs.length}`,
);
