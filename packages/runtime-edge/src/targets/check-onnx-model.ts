/**
 * A packaging-time check of the ONNX file a Worker or a web page will serve, as mobile packaging
 * checks its `.tflite` files: loaded in onnxruntime-node and fed one zero image of the manifest's
 * input shape, it must answer one score per manifest label. Without it a mismatched package would
 * deploy, answer `/v1/health` ok and fail every classification. A compiled module (runtime
 * 'edgeml-wasm') is checked the same way with its own adapter. Node only.
 */
import { EdgemlError, type ModelFileEntry, type ModelPackage } from '@edgeml/core';
import type { AdapterLoader } from '../adapters/adapter.js';
import { loadOrtNodeAdapter } from '../adapters/ort-node/ort-node-adapter.js';
import { inputSpecFor } from '../preprocess/input-spec.js';

/** Throws a MODEL_INVALID error unless `file` of `pkg` takes the manifest's input and answers one score per label. */
export async function checkOnnxAgainstManifest(
  pkg: ModelPackage,
  file: ModelFileEntry,
  load: AdapterLoader = loadOrtNodeAdapter,
): Promise<void> {
  const { manifest } = pkg;
  const spec = inputSpecFor(manifest, file);
  const adapter = await load({ pkg, file });
  try {
    let scores: Float32Array;
    try {
      scores = await adapter.run(new Float32Array(spec.shape.reduce((a, b) => a * b, 1)), spec.shape);
    } catch (error) {
      throw new EdgemlError(
        'MODEL_INVALID',
        `model file '${file.path}' does not take the manifest's input [${spec.shape.join(', ')}] (${spec.layout}): ${(error as Error).message.split('\n')[0]}`,
        { file: file.path, inputShape: [...spec.shape] },
        { cause: error },
      );
    }
    if (scores.length !== manifest.labels.length) {
      throw new EdgemlError(
        'MODEL_INVALID',
        `model file '${file.path}' answers ${scores.length} scores, but the manifest lists ${manifest.labels.length} labels`,
        { file: file.path, scores: scores.length, labels: manifest.labels.length },
      );
    }
  } finally {
    await adapter.dispose();
  }
}
