// Classifies images with a model package through the library API of @edgeml/runtime-edge, on
// onnxruntime-node, and prints the top-3 of each (or, with --json, one JSON document).
//   node classify.mjs <model package dir> <image or folder>... [--json]
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createClassifier } from '@edgeml/runtime-edge/node';

const args = process.argv.slice(2);
const json = args.includes('--json');
const [modelDir, ...inputs] = args.filter((a) => a !== '--json');
if (!modelDir || inputs.length === 0) {
  console.error('usage: node classify.mjs <model package dir> <image or folder>... [--json]');
  process.exit(2);
}

async function imagesIn(path) {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) =>
        e.isDirectory()
          ? imagesIn(join(path, e.name))
          : /\.(png|jpe?g)$/i.test(e.name)
            ? [join(path, e.name)]
            : [],
      ),
  );
  return nested.flat();
}

const classifier = await createClassifier(modelDir, { runtime: 'ort-node', precision: 'float32' });
const results = [];
for (const input of inputs) {
  for (const file of await imagesIn(input)) {
    const { predictions, timings } = await classifier.classify(await readFile(file), { topK: 3 });
    results.push({ file, predictions, ms: timings.total });
    if (!json) {
      const top3 = predictions.map((p) => `${p.label} ${(p.probability * 100).toFixed(1)}%`).join(', ');
      console.log(`${file}: ${top3}  (${timings.total.toFixed(2)} ms)`);
    }
  }
}
await classifier.dispose();
if (json)
  console.log(
    JSON.stringify(
      { model: modelDir, runtime: classifier.runtime, file: classifier.file.path, results },
      null,
      2,
    ),
  );
