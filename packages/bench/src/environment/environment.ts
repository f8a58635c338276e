/** The environment block of a report: CPU, cores, load, memory, and the versions of what ran. Node only. */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import type { BenchEnvironment } from '../report/types.js';
import { packageVersion } from '../targets/runtime/package-version.js';
import { runtimePackageVersion } from '../targets/runtime/runtime-target.js';

const RUNTIME_PACKAGES = [
  'onnxruntime-node',
  'onnxruntime-web',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-tflite',
] as const;

/** What the environment block starts from, before the targets add theirs. */
export function collectEnvironment(loadStart: readonly number[]): BenchEnvironment {
  const versions: Record<string, string> = { node: process.versions.node, v8: process.versions.v8 };
  for (const name of RUNTIME_PACKAGES) {
    const version = runtimePackageVersion(name) ?? packageVersion(name);
    if (version) versions[name] = version;
  }
  const tinybench = packageVersion('tinybench');
  if (tinybench) versions['tinybench'] = tinybench;
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    loadAverage: { start: loadStart, end: loadavg() },
    totalMemoryBytes: totalmem(),
    platform: process.platform,
    arch: process.arch,
    versions,
    wasm: {
      'ort-web': 'ort-wasm-simd-threaded.wasm (SIMD), numThreads 1, proxy off',
      tflite: 'tflite_web_api_cc_simd (SIMD, non-threaded: no SharedArrayBuffer shim)',
      'tfjs-wasm': 'tfjs-backend-wasm: see the row backend (SIMD build, threads chosen from the load)',
      worker: 'ort-wasm-simd-threaded.wasm as CompiledWasm in workerd, numThreads 1',
    },
  };
}

/** The load average now (1, 5, 15 minutes). */
export function loadAverageNow(): number[] {
  return loadavg();
}
