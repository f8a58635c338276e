/** tfjs-tflite (TFLite's WebAssembly interpreter, run in Node by the loader beside) as a runtime adapter. */
import type { AdapterContext, RuntimeAdapter } from '../adapter.js';
import { modelLoadError } from '../model-load-error.js';
import { loadTfliteModel } from './tflite-runtime-node.js';

/** Loads the context's `.tflite` file into the tfjs-tflite interpreter. */
export async function loadTfliteAdapter(context: AdapterContext): Promise<RuntimeAdapter> {
  const bytes = await context.pkg.readFile(context.file.path);
  let model: Awaited<ReturnType<typeof loadTfliteModel>>;
  try {
    model = await loadTfliteModel(bytes);
  } catch (error) {
    throw modelLoadError('tflite', context.file.path, error);
  }
  return {
    runtime: 'tflite',
    async run(tensor, shape) {
      return model.predict(tensor, shape);
    },
    async dispose() {
      model.close();
    },
  };
}
