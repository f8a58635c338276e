/**
 * The low-level runner API of `@tensorflow/tfjs-tflite`'s WebAssembly client (`tfweb`), which
 * its package declares no types for: the Node adapter and the bench's `.tflite` page drive it.
 * Types only; web-standard.
 */

/** One input or output tensor of a runner; `shape` is comma-separated. */
export interface TfWebTensorInfo {
  readonly dataType: string;
  readonly shape: string;
  data(): Float32Array | Int8Array | Uint8Array | Int32Array;
}

/** A model loaded into the interpreter. */
export interface TfWebModelRunner {
  getInputs(): TfWebTensorInfo[];
  getOutputs(): TfWebTensorInfo[];
  infer(): boolean;
  cleanUp(): void;
}

/** The client script's export. */
export interface TfWeb {
  readonly tflite_web_api: { setWasmPath(path: string): void };
  readonly TFLiteWebModelRunner: {
    create(model: ArrayBuffer, options: { numThreads?: number }): Promise<TfWebModelRunner>;
  };
}
