/**
 * The Worker's HTTP API as a Hono app: POST /v1/classify, POST /v1/classify/batch, GET /v1/health,
 * GET /v1/model. Every /v1 route but health first passes access control (API key, then rate
 * limit; see access-control.ts), before the body is read or the model touched. The package and the
 * model are created lazily, once per isolate, on the first request that needs them (never in global
 * scope); a failed load is retried by the next request. Every refusal is a JSON error
 * `{error: {code, message}}`; no request can leave the isolate broken.
 */
import { EdgemlError, findModelFile, type ModelFileEntry, type ModelPackage } from '@edgeml/core';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { ClassifierPrecision } from '../../classifier/classifier.js';
import { authenticate, enforceRateLimit, rateLimitKey } from './access-control.js';
import { errorBody, HttpError } from './http-error.js';
import { readBatchRequest } from './request-batch.js';
import { readRequestImage } from './request-image.js';
import { checkImageHeader, createBatchClassifier, imageError, type WorkerModel } from './worker-model.js';
import { readWorkerSettings, type WorkerEnv, type WorkerSettings } from './worker-settings.js';

/** What the app needs: how to get the package and the model, and the precision it serves. */
export interface WorkerAppOptions {
  /** Reads the model package (called once, lazily). */
  readonly loadPackage: () => Promise<ModelPackage>;
  /** Loads the model (called once, lazily; again after a failure). */
  readonly loadModel: (pkg: ModelPackage) => Promise<WorkerModel>;
  /** The model variant served. */
  readonly precision: ClassifierPrecision;
  /** The manifest entry of the file served. @default the ONNX file onnxruntime-web runs */
  readonly modelFile?: (pkg: ModelPackage) => ModelFileEntry;
  /** Settings used where the environment sets none. */
  readonly defaults?: Partial<WorkerSettings>;
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

function parseTopK(text: string | undefined, labels: number): number {
  if (text === undefined) return Math.min(5, labels);
  const k = Number(text);
  if (!Number.isInteger(k) || k < 1)
    throw new HttpError('INVALID_PARAMETER', `'topK' must be a positive integer, got '${text}'`);
  return Math.min(k, labels);
}

function publicModel(pkg: ModelPackage, file: ModelFileEntry, precision: ClassifierPrecision) {
  const m = pkg.manifest;
  return {
    name: m.name,
    ...(m.description !== undefined ? { description: m.description } : {}),
    labels: m.labels,
    input: m.input,
    output: m.output ?? { activation: 'softmax' },
    preprocessing: m.preprocessing,
    metrics: m.metrics ?? {},
    manifestSha256: pkg.manifestSha256,
    file: { path: file.path, format: file.format, precision, bytes: file.bytes, sha256: file.sha256 },
  };
}

const publicPrediction = (p: { label: string; probability: number }) => ({
  label: p.label,
  probability: p.probability,
});

/** Builds the Worker's Hono app (see the file comment). */
export function createWorkerApp(options: WorkerAppOptions): Hono<{ Bindings: WorkerEnv }> {
  const app = new Hono<{ Bindings: WorkerEnv }>();
  const loadPackage = once(options.loadPackage);
  const loadManifest = once(async () => {
    const pkg = await loadPackage();
    // The Worker runs onnxruntime-web: an int8 file planned for it (quantize --plan-for ort-web) first.
    const file =
      options.modelFile?.(pkg) ?? findModelFile(pkg.manifest, 'onnx', options.precision, 'ort-web');
    return { pkg, file };
  });
  // Per-isolate counters, shown by /v1/health: whether the model was loaded, images classified.
  const stats = { modelLoaded: false, imagesClassified: 0 };
  const loadModel = once(async () => {
    const model = await options.loadModel(await loadPackage());
    stats.modelLoaded = true;
    return { model, batch: createBatchClassifier(model) };
  });
  const settingsOf = (env: WorkerEnv | undefined) => readWorkerSettings(env, options.defaults);
  const modelOrUnavailable = async () => {
    try {
      return await loadModel();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new HttpError('MODEL_UNAVAILABLE', `the model could not be loaded: ${reason}`);
    }
  };

  app.use('*', async (c, next) => {
    const { corsOrigins } = settingsOf(c.env);
    if (corsOrigins !== '*' && corsOrigins.length === 0) return next();
    const origin = corsOrigins === '*' ? '*' : [...corsOrigins];
    return cors({
      origin,
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization'],
      exposeHeaders: ['Retry-After'],
      maxAge: 86400,
    })(c, next);
  });

  // Access control: the key, then the client's rate-limit budget; health stays open for probes.
  app.use('/v1/*', async (c, next) => {
    if (c.req.path === '/v1/health' || c.req.method === 'OPTIONS') return next();
    const settings = settingsOf(c.env);
    const client = await authenticate(c.req.raw, c.env?.EDGEML_API_KEY, settings.apiKeyRequired);
    const limiter = c.env?.EDGEML_RATE_LIMITER;
    if (limiter) {
      await enforceRateLimit(
        limiter,
        rateLimitKey(client, settings.rateLimitBy),
        settings.rateLimitPeriodSeconds,
      );
    }
    return next();
  });

  app.get('/v1/health', async (c) => {
    const { pkg } = await loadManifest();
    return c.json({ status: 'ok', model: pkg.manifest.name, ...stats });
  });

  app.get('/v1/model', async (c) => {
    const { pkg, file } = await loadManifest();
    return c.json(publicModel(pkg, file, options.precision));
  });

  app.post('/v1/classify', async (c) => {
    const settings = settingsOf(c.env);
    const bytes = await readRequestImage(c.req.raw, settings.maxBodyBytes);
    try {
      checkImageHeader(bytes, settings.maxImagePixels);
    } catch (error) {
      if (error instanceof HttpError && error.code === 'INVALID_IMAGE') {
        throw new HttpError('INVALID_IMAGE', 'body is not a PNG or JPEG image');
      }
      throw error;
    }
    const { pkg, file } = await loadManifest();
    const topK = parseTopK(c.req.query('topK'), pkg.manifest.labels.length);
    const { model } = await modelOrUnavailable();
    const result = await model.classifier.classify(bytes, { topK });
    stats.imagesClassified++;
    return c.json({
      predictions: result.predictions.map(publicPrediction),
      model: { name: pkg.manifest.name, sha256: file.sha256, precision: options.precision },
      timings: result.timings,
    });
  });

  app.post('/v1/classify/batch', async (c) => {
    const settings = settingsOf(c.env);
    const { pkg, file } = await loadManifest();
    const topK = parseTopK(c.req.query('topK'), pkg.manifest.labels.length);
    const start = performance.now();
    const items = await readBatchRequest(c.req.raw, {
      maxImages: settings.batchMaxImages,
      maxBytes: settings.batchMaxBytes,
    });
    const { batch } = await modelOrUnavailable();
    const answer = await batch.classify(items, { topK, maxImagePixels: settings.maxImagePixels });
    const results = answer.results.map((r) =>
      'predictions' in r ? { predictions: r.predictions.map(publicPrediction) } : r,
    );
    stats.imagesClassified += results.filter((r) => 'predictions' in r).length;
    return c.json({
      results,
      model: { name: pkg.manifest.name, sha256: file.sha256, precision: options.precision },
      batched: answer.batched,
      timings: { inference: answer.inferenceMs, total: performance.now() - start },
    });
  });

  const allowed: Record<string, string> = {
    '/v1/classify': 'POST',
    '/v1/classify/batch': 'POST',
    '/v1/health': 'GET',
    '/v1/model': 'GET',
  };
  for (const [path, methods] of Object.entries(allowed)) {
    app.all(path, (c) => {
      c.header('Allow', methods === 'GET' ? 'GET, HEAD' : methods);
      return c.json(
        errorBody('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${path}; use ${methods}`),
        405,
      );
    });
  }

  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));

  app.onError((error, c) => {
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json(errorBody(error.code, error.message), error.status as 400);
    }
    const refused = error instanceof EdgemlError ? imageError(error) : undefined;
    if (refused) return c.json(errorBody(refused.code, refused.message), refused.status as 400);
    console.error('edgeml worker: unexpected error', error);
    return c.json(errorBody('INTERNAL', 'internal error'), 500);
  });

  return app;
}
