/**
 * The part of onnxruntime's API that onnxruntime-web and onnxruntime-node share, and one adapter
 * over it: a session fed one float32 tensor, answering its first output.
 */
import type { RuntimeAdapter, RuntimeName } from './adapter.js';

/** The ORT tensor type as both packages expose it (structurally). */
interface OrtTensor {
  readonly data: unknown;
  dispose?(): void;
}

/** An ORT inference session (structurally; onnxruntime-web and -node agree on this part). */
interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** The ORT module surface the adapters use. */
export interface OrtModule {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

/** Creates a session over `bytes` and wraps it as a RuntimeAdapter. */
export async function createOrtAdapter(
  runtime: RuntimeName,
  ort: OrtModule,
  bytes: Uint8Array,
  options: Record<string, unknown>,
): Promise<RuntimeAdapter> {
  const session = await ort.InferenceSession.create(bytes, options);
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  if (inputName === undefined || outputName === undefined) {
    await session.release();
    throw new Error('the model has no inputs or no outputs');
  }
  // One run at a time: single-threaded ORT Web rejects a run while another is in flight.
  let queue: Promise<unknown> = Promise.resolve();
  const runOnce = async (tensor: Float32Array, shape: readonly number[]): Promise<Float32Array> => {
    const input = new ort.Tensor('float32', tensor, shape);
    const outputs = await session.run({ [inputName]: input });
    const output = outputs[outputName];
    const data = output?.data;
    if (!(data instanceof Float32Array)) throw new Error(`output '${outputName}' is not float32`);
    const scores = data.slice();
    for (const t of Object.values(outputs)) t.dispose?.();
    return scores;
  };
  return {
    runtime,
    run(tensor, shape) {
      const result = queue.then(() => runOnce(tensor, shape));
      queue = result.catch(() => {});
      return result;
    },
    dispose: () => session.release(),
  };
}
