/**
 * Measures one case inside the current (fresh) process: cold start phases, the batch-1 latency
 * run, batch throughput, accuracy on the benchmark images and peak memory. Run by case-runner.ts.
 */
import { readFile } from 'node:fs/promises';
import type { BatchThroughput } from '../../report/types.js';
import { runLatency } from './latency-run.js';
import { packageVersion, resolvedFrom } from './package-version.js';
import type { RuntimeJob, RuntimeMeasurement } from './runtime-job.js';
import { installWasmMemoryProbe, wasmMemoryBytes } from './wasm-memory-probe.js';

type RuntimeEdge = typeof import('@edgeml/runtime-edge/node');
type Classifier = Awaited<ReturnType<RuntimeEdge['createClassifier']>>;

const BATCH_TIME_MS = 600;

function runtimeOf(
  target: RuntimeJob['target'],
): 'ort-node' | 'ort-web' | 'edgeml-wasm' | 'tflite' | 'litert' | 'tfjs' {
  return target === 'tfjs-wasm' || target === 'tfjs-cpu' ? 'tfjs' : target;
}

/** Imports what the target needs before a classifier exists; returns a backend description. */
async function importRuntime(job: RuntimeJob, edge: RuntimeEdge): Promise<string> {
  const from = resolvedFrom('@edgeml/runtime-edge/node') ?? import.meta.url;
  switch (job.target) {
    case 'ort-node':
      await import('onnxruntime-node');
      return `onnxruntime-node ${packageVersion('onnxruntime-node', from)} (cpu EP, default threads)`;
    case 'ort-web':
      await import('onnxruntime-web/wasm');
      await edge.readOrtWebWasm();
      return `onnxruntime-web ${packageVersion('onnxruntime-web', from)} wasm (${edge.ORT_WEB_WASM_FILE}, SIMD, 1 thread)`;
    case 'edgeml-wasm':
      return 'edgeml compile: the model as its own WebAssembly module (SIMD128, no runtime library, 1 thread)';
    case 'tflite':
      return `tfjs-tflite ${packageVersion('@tensorflow/tfjs-tflite', from)} (SIMD wasm, no threads; loaded at create)`;
    case 'litert':
      return `LiteRT.js @litertjs/core ${packageVersion('@litertjs/core', from)} (wasm accelerator, XNNPack, 1 thread; Node: compat build without relaxed SIMD; loaded at create)`;
    case 'tfjs-wasm':
    case 'tfjs-cpu': {
      const { selectBackend } = await import('@edgeml/trainer');
      const selected = await selectBackend(job.target === 'tfjs-wasm' ? 'wasm' : 'cpu');
      return `tfjs ${selected.tfjsVersion} ${selected.name}: ${selected.detail}`;
    }
  }
}

async function measureBatches(
  job: RuntimeJob,
  edge: RuntimeEdge,
  classifier: Classifier,
  pngs: readonly Uint8Array[],
): Promise<{ batches?: BatchThroughput[]; note?: string }> {
  if (job.target === 'tflite' || job.target === 'litert') {
    return {
      note: `${job.target === 'tflite' ? 'tfjs-tflite' : 'LiteRT.js'} runs the file's fixed input shape: batch 1`,
    };
  }
  if (job.target === 'edgeml-wasm') return { note: 'a compiled module runs batch 1' };
  const { readModelPackageDir } = await import('@edgeml/core/node');
  const load = edge.NODE_ADAPTERS[runtimeOf(job.target)];
  if (!load) return { note: 'no adapter' };
  const pkg = await readModelPackageDir(job.modelDir, { verify: false });
  const adapter = await load({ pkg, file: classifier.file });
  const spec = classifier.inputSpec;
  const per = spec.shape.reduce((a, b) => a * b, 1);
  const tensors = pngs.map((png) => classifier.preprocess(png).tensor);
  const labels = classifier.manifest.labels.length;
  const batches: BatchThroughput[] = [];
  const notes: string[] = [];
  try {
    for (const b of job.batchSizes) {
      const x = new Float32Array(b * per);
      for (let i = 0; i < b; i++) x.set(tensors[i % tensors.length] as Float32Array, i * per);
      const shape = [b, ...spec.shape.slice(1)];
      try {
        const out = await adapter.run(x, shape);
        if (out.length !== b * labels) throw new Error(`answered ${out.length} scores for ${b} images`);
      } catch (error) {
        notes.push(`batch ${b}: ${(error as Error).message.split('\n')[0]}`);
        break;
      }
      let runs = 0;
      const start = performance.now();
      while (performance.now() - start < BATCH_TIME_MS || runs < 2) {
        await adapter.run(x, shape);
        runs++;
      }
      const seconds = (performance.now() - start) / 1000;
      batches.push({ batchSize: b, runs, seconds, imagesPerSecond: (b * runs) / seconds });
    }
  } finally {
    await adapter.dispose();
  }
  return { batches, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
}

/** Measures `job` in this process (which must be fresh for the cold start to mean anything). */
export async function measureRuntime(job: RuntimeJob): Promise<RuntimeMeasurement> {
  installWasmMemoryProbe();
  const pngs = (JSON.parse(await readFile(job.imagesFile, 'utf8')) as string[]).map(
    (b64) => new Uint8Array(Buffer.from(b64, 'base64')),
  );
  const first = pngs[0];
  if (!first) throw new Error('no benchmark images');

  const t0 = performance.now();
  const edge = await import('@edgeml/runtime-edge/node');
  const backend = await importRuntime(job, edge);
  const t1 = performance.now();
  const classifier = await edge.createClassifier(job.modelDir, {
    runtime: runtimeOf(job.target),
    precision: job.precision,
  });
  const t2 = performance.now();
  await classifier.classify(first, { topK: 1 });
  const t3 = performance.now();
  const coldStart = { import: t1 - t0, create: t2 - t1, firstInference: t3 - t2, total: t3 };
  if (job.mode === 'cold') return { backend, coldStart };

  let heapPeak = process.memoryUsage().heapUsed;
  let sinceSample = 0;
  const sampleHeap = () => {
    if (++sinceSample < 8) return;
    sinceSample = 0;
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  };
  const { samples, warmupIterations } = await runLatency(
    `${job.target} ${job.precision}`,
    async (i) => {
      const start = performance.now();
      const { timings } = await classifier.classify(pngs[i % pngs.length] as Uint8Array, { topK: 1 });
      const endToEnd = performance.now() - start;
      return {
        endToEnd,
        inference: timings.inference,
        decode: timings.decode,
        preprocess: timings.preprocess,
      };
    },
    job,
    sampleHeap,
  );

  const predictions: number[] = [];
  for (const png of pngs) {
    const { predictions: top } = await classifier.classify(png, { topK: 1 });
    predictions.push(top[0]?.index ?? -1);
    sampleHeap();
  }
  const { batches, note } = await measureBatches(job, edge, classifier, pngs);
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  const wasm = wasmMemoryBytes();
  await classifier.dispose();
  return {
    backend,
    coldStart,
    warmupIterations,
    samples,
    predictions,
    ...(batches ? { batches } : {}),
    ...(note ? { batchNote: note } : {}),
    memory: {
      source: 'node process (resourceUsage maxRSS, sampled heapUsed)',
      rssPeakBytes: process.resourceUsage().maxRSS * 1024,
      heapUsedPeakBytes: heapPeak,
      ...(wasm === undefined ? {} : { wasmMemoryBytes: wasm }),
    },
  };
}
