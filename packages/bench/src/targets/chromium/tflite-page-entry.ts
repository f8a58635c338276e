/**
 * Browser entry of the `.tflite` page (bundled by tflite-page.ts, run in Chromium): one
 * Classifier API over the same `.tflite` file in two runtimes, so the bench and the e2e suite
 * compare them page to page:
 * - 'litert': runtime-edge's LiteRT.js adapter, its Wasm from `./litert-wasm/`;
 * - 'tflite': tfjs-tflite's own WebAssembly interpreter (the `tfweb` client from
 *   `./tflite-wasm/`, the same runner API the Node adapter drives), without tfjs-core.
 * The package is read from `./model/`. Browser only; nothing here runs in Node.
 */
import {
  createClassifierWith,
  loadLiteRtAdapter,
  type RuntimeAdapter,
  type TfWeb,
} from '@edgeml/runtime-edge';

let tfweb: Promise<TfWeb> | undefined;

/** Loads tfjs-tflite's client script once (it ends with `exports.tfweb = tfweb`: `exports` is given). */
function loadTfweb(): Promise<TfWeb> {
  tfweb ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    const exports: { tfweb?: TfWeb } = {};
    g['exports'] = exports;
    await new Promise<void>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = new URL('./tflite-wasm/tflite_web_api_client.js', location.href).href;
      script.onload = () => resolve();
      script.onerror = () => reject(new Error(`cannot load ${script.src}`));
      document.head.append(script);
    });
    delete g['exports'];
    const client = exports.tfweb ?? (g['tfweb'] as TfWeb | undefined);
    if (!client) throw new Error('tflite_web_api_client.js did not define tfweb');
    client.tflite_web_api.setWasmPath(new URL('./tflite-wasm/', location.href).href);
    return client;
  })();
  return tfweb;
}

/** tfjs-tflite's interpreter as a runtime adapter (batch 1 per call, as in Node). */
async function loadTfliteWebAdapter(context: {
  pkg: { readFile(path: string): Promise<Uint8Array> };
  file: { path: string };
}): Promise<RuntimeAdapter> {
  const client = await loadTfweb();
  const bytes = await context.pkg.readFile(context.file.path);
  const runner = await client.TFLiteWebModelRunner.create(bytes.slice().buffer, { numThreads: 1 });
  const input = runner.getInputs()[0]!;
  if (input.dataType !== 'float32') throw new Error(`tflite: input is ${input.dataType}, not float32`);
  const per = input.shape
    .split(',')
    .map(Number)
    .reduce((a, b) => a * b, 1);
  return {
    runtime: 'tflite',
    async run(tensor) {
      const calls = tensor.length / per;
      const outputs: Float32Array[] = [];
      for (let i = 0; i < calls; i++) {
        runner
          .getInputs()[0]!
          .data()
          .set(tensor.subarray(i * per, (i + 1) * per));
        if (!runner.infer()) throw new Error('tflite: inference failed');
        outputs.push((runner.getOutputs()[0]!.data() as Float32Array).slice());
      }
      const out = new Float32Array(outputs.reduce((a, o) => a + o.length, 0));
      let offset = 0;
      for (const o of outputs) {
        out.set(o, offset);
        offset += o.length;
      }
      return out;
    },
    async dispose() {
      runner.cleanUp();
    },
  };
}

/** The runtimes of the page. */
export type TflitePageRuntime = 'litert' | 'tflite';

/** Creates a classifier over `./model/` on `runtime` (web Classifier API, shared preprocessing). */
export function loadTflitePageClassifier(
  runtime: TflitePageRuntime,
  precision: 'float32' | 'int8',
  options: { litertWasmPath?: string } = {},
) {
  const modelUrl = new URL('./model/', location.href).href;
  return createClassifierWith({ litert: loadLiteRtAdapter, tflite: loadTfliteWebAdapter }, modelUrl, {
    runtime,
    precision,
    ...(options.litertWasmPath === ''
      ? {}
      : { liteRt: { wasmPath: options.litertWasmPath ?? new URL('./litert-wasm/', location.href).href } }),
  });
}
