/**
 * One lock for the Node loaders that shim Web Worker globals (`self`, `importScripts`,
 * `location`, ...) while a WebAssembly runtime loads: tfjs-tflite (`tflite/`) and LiteRT.js
 * (`litert/`). Each installs its shims, awaits its runtime, then restores the globals; two of them
 * at once would overwrite and then delete each other's shims mid-load.
 */

let tail: Promise<void> = Promise.resolve();

/** Waits for the shims of every earlier holder to be restored; call the answer to let the next one in. */
export async function acquireWorkerGlobals(): Promise<() => void> {
  const previous = tail;
  let release!: () => void;
  tail = new Promise<void>((resolve) => {
    release = resolve;
  });
  await previous;
  return release;
}
