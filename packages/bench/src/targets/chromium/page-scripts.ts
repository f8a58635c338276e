/**
 * The JavaScript the Chromium driver runs inside the page, as source text (handed to
 * page.evaluate / addInitScript as strings, so no transpiler helper leaks into the page):
 * a WebAssembly memory probe, the cold start, and the latency + accuracy run over base64 PNGs.
 */

/** Init script: records every WebAssembly memory the page creates (globalThis.__edgemlWasm). */
export const WASM_PROBE_SCRIPT = `(() => {
  const seen = (globalThis.__edgemlWasm = new Set());
  const collect = (instance, imports) => {
    for (const v of Object.values((instance && instance.exports) || {})) if (v instanceof WebAssembly.Memory) seen.add(v);
    for (const g of Object.values(imports || {})) if (g && typeof g === 'object') for (const v of Object.values(g)) if (v instanceof WebAssembly.Memory) seen.add(v);
  };
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (source, imports) => {
    const result = await instantiate(source, imports);
    collect(result instanceof WebAssembly.Instance ? result : result.instance, imports);
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming;
  if (streaming) WebAssembly.instantiateStreaming = async (source, imports) => {
    const result = await streaming(source, imports);
    collect(result.instance, imports);
    return result;
  };
})();`;

/** Expression: import the library, load the classifier on `backend`, classify the first PNG; answers phase times. */
export function coldStartScript(backend: string, png: string): string {
  return `(async () => {
    const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const t0 = performance.now();
    const lib = await import('./edgeml-web.js');
    const t1 = performance.now();
    const classifier = await lib.loadWebClassifier({ backends: [${JSON.stringify(backend)}], numThreads: 1 });
    const t2 = performance.now();
    await classifier.classify(bytes(${JSON.stringify(png)}), { topK: 1 });
    const t3 = performance.now();
    globalThis.__edgemlClassifier = classifier;
    return { import: t1 - t0, create: t2 - t1, firstInference: t3 - t2, backend: classifier.backend, fallbackReasons: classifier.fallbackReasons };
  })()`;
}

/** Expression: the latency run (warm-up, then until both the time and the minimum count are met, at most max) and the top-1 of every image. */
export function runScript(
  pngs: readonly string[],
  budget: { warmupIterations: number; minIterations: number; maxIterations: number; timeMs: number },
): string {
  return `(async () => {
    const budget = ${JSON.stringify(budget)};
    const images = ${JSON.stringify(pngs)}.map((b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    const classifier = globalThis.__edgemlClassifier;
    let i = 0;
    for (let w = 0; w < budget.warmupIterations; w++) await classifier.classify(images[i++ % images.length], { topK: 1 });
    const samples = { endToEnd: [], inference: [], decode: [], preprocess: [] };
    const start = performance.now();
    while (samples.endToEnd.length < budget.maxIterations &&
      (samples.endToEnd.length < budget.minIterations || performance.now() - start < budget.timeMs)) {
      const t = performance.now();
      const { timings } = await classifier.classify(images[i++ % images.length], { topK: 1 });
      samples.endToEnd.push(performance.now() - t);
      samples.inference.push(timings.inference);
      samples.decode.push(timings.decode);
      samples.preprocess.push(timings.preprocess);
    }
    const predictions = [];
    for (const image of images) predictions.push((await classifier.classify(image, { topK: 1 })).predictions[0].index);
    let wasm = 0;
    for (const m of globalThis.__edgemlWasm || []) wasm += m.buffer.byteLength;
    return { samples, predictions, warmupIterations: budget.warmupIterations, wasmMemoryBytes: wasm, isolated: globalThis.crossOriginIsolated };
  })()`;
}

/** Expression: the page's WebGPU adapter ({ problem: '' , adapter: 'vendor architecture description' }) or why there is none. */
export const WEBGPU_ADAPTER_SCRIPT = `(async () => {
  if (!navigator.gpu) return { problem: 'navigator.gpu is undefined', adapter: '' };
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { problem: 'requestAdapter() answered null (no GPU adapter)', adapter: '' };
    const info = adapter.info || {};
    const words = [info.vendor, info.architecture, info.device, info.description].filter((w) => w);
    return { problem: '', adapter: words.join(' ') || 'unnamed adapter' };
  } catch (e) { return { problem: 'requestAdapter() failed: ' + e, adapter: '' }; }
})()`;
