/**
 * TensorFlow.js (layers model, `tfjs/model.json` + weights) as a runtime adapter, on whatever
 * backend TF.js has selected. The files come from the package (checked against the manifest).
 */
import { BackendUnavailableError } from '@edgeml/core';
import type { AdapterContext, RuntimeAdapter } from '../adapter.js';
import { modelLoadError } from '../model-load-error.js';

interface WeightsGroup {
  readonly paths: readonly string[];
  readonly weights: readonly unknown[];
}

function joinPath(dir: string, path: string): string {
  return dir === '' ? path : `${dir}/${path}`;
}

/** Loads the context's TF.js layers model through an IOHandler over the package. */
export async function loadTfjsAdapter(context: AdapterContext): Promise<RuntimeAdapter> {
  let tf: typeof import('@tensorflow/tfjs');
  try {
    tf = await import('@tensorflow/tfjs');
  } catch (error) {
    throw new BackendUnavailableError('tfjs', 'package @tensorflow/tfjs is not installed', {
      cause: String(error),
    });
  }
  const { pkg, file } = context;
  const dir = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/')) : '';
  let model: import('@tensorflow/tfjs').LayersModel;
  try {
    const json = JSON.parse(new TextDecoder().decode(await pkg.readFile(file.path)));
    const groups: WeightsGroup[] = json.weightsManifest ?? [];
    const specs = groups.flatMap((g) => g.weights) as import('@tensorflow/tfjs').io.WeightsManifestEntry[];
    const shards: Uint8Array[] = [];
    for (const group of groups) {
      for (const path of group.paths) shards.push(await pkg.readFile(joinPath(dir, path)));
    }
    const total = shards.reduce((n, s) => n + s.byteLength, 0);
    const weightData = new Uint8Array(total);
    let at = 0;
    for (const shard of shards) {
      weightData.set(shard, at);
      at += shard.byteLength;
    }
    await tf.ready();
    model = await tf.loadLayersModel({
      load: async () => ({
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: weightData.buffer,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
      }),
    });
  } catch (error) {
    throw modelLoadError('tfjs', file.path, error);
  }
  return {
    runtime: 'tfjs',
    async run(tensor, shape) {
      const out = tf.tidy(() => {
        const y = model.predict(tf.tensor(tensor, [...shape], 'float32'));
        return (Array.isArray(y) ? y[0] : y) as import('@tensorflow/tfjs').Tensor;
      });
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    async dispose() {
      model.dispose();
    },
  };
}
