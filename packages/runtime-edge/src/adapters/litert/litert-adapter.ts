/**
 * LiteRT.js (`@litertjs/core`) as a runtime adapter for `.tflite` files, on its Wasm (XNNPack)
 * accelerator. The model is compiled once; its input shape is fixed, so `run` feeds batches of the
 * file's own batch size (1 for exportTflite's default) and concatenates the outputs, as the
 * tfjs-tflite adapter does. edgeml's int8 files take and give float32 (QUANTIZE / DEQUANTIZE inside
 * the model), which LiteRT.js runs as they are; a file with int8 input or output tensors is refused
 * with UNSUPPORTED (LiteRT.js's JavaScript tensors are float32, int32 or uint8 only).
 */
import { ConfigError, EdgemlError, UnsupportedError } from '@edgeml/core';
import type { AdapterContext, AdapterLoader, RuntimeAdapter } from '../adapter.js';
import { modelLoadError } from '../model-load-error.js';
import { type LiteRtRealmSetup, liteRtLogTail, loadLiteRtRuntime } from './litert-runtime.js';

type CompiledModel = Awaited<ReturnType<typeof import('@litertjs/core')['loadAndCompile']>>;

interface IoDetails {
  readonly dtype: string;
  readonly shape: readonly number[];
}

function ioDetails(read: () => readonly { dtype: string; shape: Int32Array }[], what: string): IoDetails[] {
  try {
    return read().map((d) => ({ dtype: d.dtype, shape: Array.from(d.shape) }));
  } catch (error) {
    // LiteRT.js throws 'Element type INT8 is not supported.' for tensor types it has no array for.
    throw new UnsupportedError(
      `litert: the model's ${what} tensors have a type LiteRT.js cannot hand to JavaScript (${error instanceof Error ? error.message : String(error)}); edgeml feeds float32 (export int8 files without int8 I/O)`,
    );
  }
}

function withLog(error: unknown): unknown {
  const tail = liteRtLogTail();
  if (!tail || !(error instanceof Error) || error instanceof EdgemlError) return error;
  return new Error(`${error.message} (LiteRT.js log: ${tail})`, { cause: error });
}

/** A loader for runtime 'litert' that prepares the realm with `setup` (Node: shims) before the first load. */
export function createLiteRtLoader(setup?: LiteRtRealmSetup): AdapterLoader {
  return async (context: AdapterContext): Promise<RuntimeAdapter> => {
    const litert = await loadLiteRtRuntime(context.liteRt ?? {}, setup);
    const bytes = await context.pkg.readFile(context.file.path);
    let model: CompiledModel;
    try {
      model = await litert.loadAndCompile(bytes, { accelerator: 'wasm' });
    } catch (error) {
      throw modelLoadError('litert', context.file.path, withLog(error));
    }
    let inputs: IoDetails[];
    let outputs: IoDetails[];
    try {
      inputs = ioDetails(() => model.getInputDetails(), 'input');
      outputs = ioDetails(() => model.getOutputDetails(), 'output');
      if (
        inputs.length !== 1 ||
        outputs.length < 1 ||
        inputs[0]!.dtype !== 'float32' ||
        outputs[0]!.dtype !== 'float32'
      ) {
        throw new UnsupportedError(
          `litert: expected one float32 input and a float32 first output, got inputs [${inputs.map((i) => i.dtype).join(', ')}] and outputs [${outputs.map((o) => o.dtype).join(', ')}]`,
        );
      }
    } catch (error) {
      model.delete();
      throw error;
    }
    const inputShape = inputs[0]!.shape;
    const inPer = inputShape.reduce((a, b) => a * b, 1);
    const outPer = outputs[0]!.shape.reduce((a, b) => a * b, 1);
    return {
      runtime: 'litert',
      async run(tensor, shape) {
        if (model.deleted) throw new EdgemlError('UNSUPPORTED', 'litert: run() after dispose()');
        if (
          shape.slice(1).join(',') !== inputShape.slice(1).join(',') ||
          tensor.length !== shape.reduce((a, b) => a * b, 1)
        ) {
          throw new ConfigError(
            `input shape [${shape.join(', ')}] (${tensor.length} values) does not fit the model input [${inputShape.join(', ')}]`,
          );
        }
        const calls = tensor.length / inPer;
        if (!Number.isInteger(calls)) {
          throw new ConfigError(`batch ${shape[0]} is not a multiple of the model batch ${inputShape[0]}`);
        }
        const out = new Float32Array(calls * outPer);
        for (let i = 0; i < calls; i++) {
          const input = new litert.Tensor(tensor.slice(i * inPer, (i + 1) * inPer), [...inputShape]);
          let results: import('@litertjs/core').Tensor[] = [];
          try {
            results = await model.run(input);
            // toTypedArray() copies out of the Wasm heap.
            out.set(results[0]!.toTypedArray() as Float32Array, i * outPer);
          } finally {
            input.delete();
            for (const r of results) r.delete();
          }
        }
        return out;
      },
      async dispose() {
        if (!model.deleted) model.delete();
      },
    };
  };
}

/** Loads the context's `.tflite` file into LiteRT.js (web realms: `context.liteRt.wasmPath` is required). */
export const loadLiteRtAdapter: AdapterLoader = createLiteRtLoader();
