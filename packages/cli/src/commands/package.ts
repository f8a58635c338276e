/**
 * `edgeml package`: turns a model package into a deployable target. `--runtime` says what runs the
 * model in a Worker or a page: 'edgeml-wasm' (the module `edgeml compile` added to the package; no
 * onnxruntime-web, no shim) or 'ort-web'; by default edgeml-wasm, compiled here when the package
 * holds no module of the precision (data-free: float32 from the TF.js model, int8 from
 * model.int8.onnx), else ort-web when it cannot be compiled (the note says why). `--runtime
 * edgeml-wasm` on a package without a compiled module fails with a typed error saying to run
 * `edgeml compile`. `--target worker` writes a
 * self-contained Wrangler project (Hono app, the runtime, the model), reports its raw and
 * gzip size from `wrangler deploy --dry-run` (above Cloudflare's 64 MiB uncompressed limit it fails
 * unless --force) and prints which access controls are on (API key, rate limit) and the batch limits. `--target web` writes a static site (ES module on onnxruntime-web, WebGPU or
 * WebAssembly, and a demo page) and reports each file's size; `--target mobile` writes the
 * `.tflite` files, labels.txt, metadata.json and a README for Android and iOS apps.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileModelPackage, int8OnnxFile } from '@edgeml/compiler';
import { ConfigError, defaultModelPrecision, type ModelPackage, UnsupportedError } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import {
  defaultPackageRuntime,
  PACKAGE_RUNTIMES,
  type PackageRuntime,
  packageMobile,
  packageWeb,
  packageWorker,
  parseRateLimit,
  WORKER_ACCESS_OPTIONS,
  WORKER_LIMITS,
  type WorkerAccessSummary,
} from '@edgeml/runtime-edge/node';
import type { Command, OptionValues } from '../command.js';
import { choiceOption, declaredOptions, flagsOf, optionalInt, stringOption } from '../options.js';
import type { Output } from '../output.js';
import { formatTable } from '../output.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const TARGETS = ['worker', 'web', 'mobile'] as const;

/** What a Worker or a page is packaged from: the package (or a compiled copy of it) and its runtime. */
interface PackageVariant {
  readonly precision: 'float32' | 'int8';
  readonly runtime: PackageRuntime;
  /** The package to package: `modelDir`, or a temporary copy with the module compiled here. */
  readonly from: string;
  /** Removes the temporary copy, if one was made. */
  dispose(): Promise<void>;
}

/**
 * --precision and --runtime, or their defaults, read from one load of the package (only when a
 * default is needed): precision float32, or int8 for a package whose only ONNX models are int8;
 * runtime edgeml-wasm. Without --runtime, a package that holds no compiled module of that precision
 * is compiled here (`edgeml compile`: float32 from its TF.js model, int8 from its model.int8.onnx,
 * data-free both) into a temporary copy; when it cannot be (no such model, or an op the compiler
 * does not cover) the note says why and the target runs on onnxruntime-web. `--wasm-only` (an
 * onnxruntime-web option) means ort-web.
 */
async function packageVariant(values: OptionValues, out: Output, modelDir: string): Promise<PackageVariant> {
  let pkg: ModelPackage | undefined;
  const read = async () => {
    pkg ??= await readModelPackageDir(modelDir);
    return pkg;
  };
  const precision =
    values.precision !== undefined
      ? choiceOption<'float32' | 'int8'>(values, 'precision', ['float32', 'int8'], 'float32')
      : defaultModelPrecision((await read()).manifest, 'onnx');
  const as = (runtime: PackageRuntime, from = modelDir, dispose = async () => {}): PackageVariant => ({
    precision,
    runtime,
    from,
    dispose,
  });
  if (values.runtime !== undefined) return as(choiceOption(values, 'runtime', PACKAGE_RUNTIMES, 'ort-web'));
  if (values['wasm-only'] !== undefined) return as('ort-web');
  if (defaultPackageRuntime(await read(), precision) === 'edgeml-wasm') return as('edgeml-wasm');
  const { manifest } = await read();
  const compilable =
    precision === 'int8'
      ? int8OnnxFile(manifest) !== undefined
      : manifest.files.some((f) => f.format === 'tfjs-layers');
  if (!compilable) {
    out.note(
      `no ${precision} module compiled by edgeml compile in ${modelDir}, and nothing to compile one from here (${precision === 'int8' ? 'no model.int8.onnx: run edgeml quantize, or edgeml compile --precision int8, which calibrates on the data set' : 'no TF.js model'}): running on onnxruntime-web`,
    );
    return as('ort-web');
  }
  const tmp = await mkdtemp(join(tmpdir(), 'edgeml-package-compile-'));
  const dispose = () => rm(tmp, { recursive: true, force: true });
  const from = join(tmp, 'model');
  try {
    out.note(
      `compiling ${modelDir}'s ${precision} model into its own WebAssembly module (edgeml compile${precision === 'int8' ? `: ${int8OnnxFile(manifest)!.path} as it is` : ''}); --runtime ort-web skips this`,
    );
    const compiled = await compileModelPackage(modelDir, from, { precision });
    out.note(`compiled ${compiled.files.wasm} in ${compiled.report.seconds.toFixed(1)} s`);
    return as('edgeml-wasm', from, dispose);
  } catch (error) {
    await dispose();
    if (!(error instanceof UnsupportedError)) throw error;
    out.note(`cannot compile ${modelDir} (${error.message}): running on onnxruntime-web`);
    return as('ort-web');
  }
}

/** Worker-only flags given with another target would be silently ignored: refused instead. */
function refuseWorkerOnlyFlags(values: OptionValues, target: string): void {
  const flags = [
    ...Object.keys(flagsOf(WORKER_ACCESS_OPTIONS)),
    'cors',
    'max-body-bytes',
    'name',
    'compatibility-date',
  ].filter((flag) => values[flag] !== undefined);
  if (flags.length > 0) {
    throw new ConfigError(
      `${flags.map((f) => `--${f}`).join(', ')} ${flags.length > 1 ? 'apply' : 'applies'} only to --target worker, not --target ${target}`,
      { options: flags, option: flags[0] },
    );
  }
}

/** The lines that say which access controls a packaged Worker starts with. */
function accessLines(access: WorkerAccessSummary): string[] {
  const rl = access.rateLimit;
  return [
    `API key: ${access.apiKeyRequired ? 'required (set it: npx wrangler secret put EDGEML_API_KEY; locally EDGEML_API_KEY=... in .dev.vars)' : 'off until the secret EDGEML_API_KEY is set (then required)'}`,
    `rate limit: ${rl ? `on, ${rl.limit} requests per ${rl.period} s per ${rl.by === 'ip' ? 'client IP' : 'API key'} (binding EDGEML_RATE_LIMITER, namespace ${rl.namespaceId}); 429 past it` : 'off'}`,
    `batch: at most ${access.batchMaxImages} images and ${kib(access.batchMaxBytes)} per POST /v1/classify/batch`,
    `limits: ${WORKER_LIMITS.startupMs} ms startup, ${WORKER_LIMITS.cpuMsPerRequest.free} ms CPU per request (free plan; paid up to ${WORKER_LIMITS.cpuMsPerRequest.paid / 60000} min), ${WORKER_LIMITS.memoryBytes / 1e6} MB memory per isolate; measure CPU per request: pnpm edgeml bench --models <dir> --targets worker`,
  ];
}

async function packageWebTarget(values: OptionValues, out: Output, modelDir: string, outDir: string) {
  const variant = await packageVariant(values, out, modelDir);
  const { precision, runtime } = variant;
  let result: Awaited<ReturnType<typeof packageWeb>>;
  try {
    if (runtime === 'edgeml-wasm' && values['wasm-only'] !== undefined) {
      throw new ConfigError(`--wasm-only applies only to --runtime ort-web (edgeml-wasm ships no ORT)`, {
        option: 'wasm-only',
      });
    }
    out.note(
      `packaging ${modelDir} as a web page + ES module (${runtime === 'ort-web' ? 'onnxruntime-web' : 'edgeml-wasm, the compiled module'})`,
    );
    result = await packageWeb(variant.from, outDir, {
      precision,
      runtime,
      webgpu: values['wasm-only'] !== true,
    });
  } finally {
    await variant.dispose();
  }
  if (out.json) {
    out.printJson(result);
    return 0;
  }
  const rows = result.files.map((f) => [f.path, kib(f.bytes), kib(f.gzipBytes)]);
  rows.push(['page without WebGPU', kib(result.wasmPageBytes.bytes), kib(result.wasmPageBytes.gzipBytes)]);
  out.print(formatTable(['file', 'raw', 'gzip'], rows));
  out.print(
    `wrote ${result.outDir} (${result.modelFile.path}; ${result.runtime === 'ort-web' ? `onnxruntime-web, backends ${result.backends.join(', ')}` : 'edgeml-wasm'})`,
  );
  out.print(`try it: npx serve ${outDir}  (or python3 -m http.server -d ${outDir}), then open index.html`);
  return 0;
}

async function packageMobileTarget(out: Output, modelDir: string, outDir: string) {
  out.note(`packaging ${modelDir} for mobile apps (.tflite, checked in tfjs-tflite)`);
  const result = await packageMobile(modelDir, outDir);
  for (const warning of result.warnings) out.note(`warning: ${warning}`);
  if (out.json) {
    out.printJson(result);
    return 0;
  }
  out.print(
    formatTable(
      ['model', 'precision', 'size'],
      result.models.map((m) => [m.path, m.precision, kib(m.bytes)]),
    ),
  );
  out.print(`wrote ${result.outDir}: ${result.files.join(', ')}`);
  return 0;
}

export const packageCommand: Command = {
  name: 'package',
  summary: 'package a model for a deployment target (Cloudflare Worker, web page, mobile app)',
  examples: [
    'pnpm edgeml package --model runs/teacher-export --target worker --out dist/worker',
    'pnpm edgeml package --model runs/teacher-export --target worker --precision int8 --cors "*" --out dist/worker',
    'pnpm edgeml package --model runs/teacher-export --target worker --api-key-required --rate-limit 100/60s --out dist/worker',
    'pnpm edgeml package --model runs/teacher-export --target web --out dist/web',
    'pnpm edgeml package --model runs/cnn-small-wasm --target worker --runtime edgeml-wasm --out dist/worker',
    'pnpm edgeml package --model runs/cnn-small-wasm --target web --runtime ort-web --out dist/web',
    'pnpm edgeml package --model runs/teacher-int8 --target mobile --out dist/mobile',
  ],
  options: {
    model: {
      type: 'string',
      placeholder: 'DIR',
      description: 'model package (an ONNX file for worker/web, .tflite files for mobile)',
    },
    target: {
      type: 'string',
      placeholder: 'worker|web|mobile',
      description: "deployment target: 'worker', 'web' or 'mobile'",
      default: 'worker',
    },
    out: {
      type: 'string',
      placeholder: 'DIR',
      description: 'directory to write (default: dist/<target>)',
    },
    precision: {
      type: 'string',
      placeholder: 'float32|int8',
      description:
        'worker/web: model variant to serve (mobile ships every .tflite variant); default: float32, or int8 when the package holds an int8 ONNX model and no float32 one',
    },
    runtime: {
      type: 'string',
      placeholder: 'edgeml-wasm|ort-web',
      description:
        "worker/web: what runs the model: 'edgeml-wasm' (the module edgeml compile added to the package) or 'ort-web' (onnxruntime-web); default: edgeml-wasm (compiled here, data-free, when the package holds no module of --precision), else ort-web when it cannot be compiled",
    },
    'wasm-only': {
      type: 'boolean',
      description: "web: leave out ORT's WebGPU build (27 MB .wasm); pages run on WebAssembly",
    },
    name: { type: 'string', placeholder: 'NAME', description: 'Worker name (default: the model name)' },
    cors: {
      type: 'string',
      placeholder: 'ORIGINS',
      description: "CORS origins: '*' or a comma-separated list (default: no CORS)",
    },
    'max-body-bytes': {
      type: 'string',
      placeholder: 'N',
      description: 'largest request body accepted',
      default: '4194304',
    },
    'compatibility-date': {
      type: 'string',
      placeholder: 'YYYY-MM-DD',
      description: 'wrangler compatibility_date',
    },
    ...flagsOf(WORKER_ACCESS_OPTIONS),
    force: {
      type: 'boolean',
      description: "worker: package even above Cloudflare's 64 MiB (uncompressed) script size limit",
    },
  },
  async run(values, out) {
    const target = choiceOption(values, 'target', TARGETS, 'worker');
    const modelDir = stringOption(values, 'model');
    const outDir = stringOption(values, 'out', `dist/${target}`);
    if (target !== 'worker') refuseWorkerOnlyFlags(values, target);
    if (target === 'mobile' && values.runtime !== undefined) {
      throw new ConfigError('--runtime applies only to --target worker or web, not --target mobile', {
        option: 'runtime',
      });
    }
    if (target === 'web') return packageWebTarget(values, out, modelDir, outDir);
    if (target === 'mobile') return packageMobileTarget(out, modelDir, outDir);
    const maxBodyBytes = optionalInt(values, 'max-body-bytes', { min: 1, max: 100 * 1024 * 1024 });
    const compatibilityDate = values['compatibility-date'];
    const access = declaredOptions(WORKER_ACCESS_OPTIONS, values, 'package');
    if (access.rateLimit !== null) {
      try {
        parseRateLimit(access.rateLimit);
      } catch (error) {
        throw new ConfigError(`package: ${(error as Error).message} (--rate-limit)`, {
          option: 'rate-limit',
        });
      }
    }
    const variant = await packageVariant(values, out, modelDir);
    const { precision, runtime } = variant;
    out.note(
      `packaging ${modelDir} as a Cloudflare Worker on ${runtime} (measuring with wrangler deploy --dry-run)`,
    );
    let result: Awaited<ReturnType<typeof packageWorker>>;
    try {
      result = await packageWorker(variant.from, outDir, {
        precision,
        runtime,
        force: values.force === true,
        access,
        ...(typeof values.name === 'string' ? { name: values.name } : {}),
        ...(typeof values.cors === 'string' ? { corsOrigins: values.cors } : {}),
        ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
        ...(typeof compatibilityDate === 'string' ? { compatibilityDate } : {}),
      });
    } finally {
      await variant.dispose();
    }
    for (const warning of result.warnings) out.note(`warning: ${warning}`);
    if (out.json) {
      out.printJson(result);
      return 0;
    }
    const size = result.size;
    if (size) {
      const rows = size.modules.map((m) => [m.path, kib(m.bytes), kib(m.gzipBytes)]);
      rows.push(['total', kib(size.bytes), kib(size.gzipBytes)]);
      out.print(formatTable(['module', 'raw', 'gzip'], rows));
    }
    out.print(
      `wrote ${result.outDir} (Worker '${result.name}', ${result.modelFile.path} on ${result.runtime})`,
    );
    for (const line of accessLines(result.access)) out.print(line);
    out.print(`run it locally: pnpm edgeml serve --package ${outDir}`);
    return 0;
  },
};
