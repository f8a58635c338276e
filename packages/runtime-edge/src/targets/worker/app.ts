/**
 * The Worker's HTTP API as a Hono app: POST /v1/classify, GET /v1/health, GET /v1/model. The
 * package and the classifier are created lazily, once per isolate, on the first request that needs
 * them (never in global scope); a failed load is retried by the next request. Every refusal is a
 * JSON error `{error: {code, message}}`; no request can leave the isolate broken.
 */
import { EdgemlError, findModelFile, type ModelFileEntry, type ModelPackage, probeImage } from '@edgeml/core';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Classifier, ClassifierPrecision } from '../../classifier/classifier.js';
import { errorBody, HttpError } from './http-error.js';
import { readRequestImage } from './request-image.js';
import { readWorkerSettings, type WorkerEnv, type WorkerSettings } from './worker-settings.js';

/** What the app needs: how to get the package and a classifier, and the precision it serves. */
export interface WorkerAppOptions {
  /** Reads the model package (called once, lazily). */
  readonly loadPackage: () => Promise<ModelPackage>;
  /** Creates the classifier (called once, lazily; again after a failure). */
  readonly loadClassifier: (pkg: ModelPackage) => Promise<Classifier>;
  /** The model variant served. */
  readonly precision: ClassifierPrecision;
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

/** Builds the Worker's Hono app (see the file comment). */
export function createWorkerApp(options: WorkerAppOptions): Hono<{ Bindings: WorkerEnv }> {
  const app = new Hono<{ Bindings: WorkerEnv }>();
  const loadPackage = once(options.loadPackage);
  const loadModel = once(async () => {
    const pkg = await loadPackage();
    return { pkg, file: findModelFile(pkg.manifest, 'onnx', options.precision) };
  });
  const loadClassifier = once(async () => options.loadClassifier(await loadPackage()));
  const settingsOf = (env: WorkerEnv | undefined) => readWorkerSettings(env, options.defaults);

  app.use('*', async (c, next) => {
    const { corsOrigins } = settingsOf(c.env);
    if (corsOrigins !== '*' && corsOrigins.length === 0) return next();
    const origin = corsOrigins === '*' ? '*' : [...corsOrigins];
    return cors({
      origin,
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Content-Type'],
      maxAge: 86400,
    })(c, next);
  });

  app.get('/v1/health', async (c) => {
    const { pkg } = await loadModel();
    return c.json({ status: 'ok', model: pkg.manifest.name });
  });

  app.get('/v1/model', async (c) => {
    const { pkg, file } = await loadModel();
    return c.json(publicModel(pkg, file, options.precision));
  });

  app.post('/v1/classify', async (c) => {
    const settings = settingsOf(c.env);
    const bytes = await readRequestImage(c.req.raw, settings.maxBodyBytes);
    const header = probeImage(bytes);
    if (header === undefined) throw new HttpError('INVALID_IMAGE', 'body is not a PNG or JPEG image');
    if (header.width * header.height > settings.maxImagePixels) {
      throw new HttpError(
        'PAYLOAD_TOO_LARGE',
        `image of ${header.width}x${header.height} pixels exceeds the limit of ${settings.maxImagePixels} pixels`,
      );
    }
    const { pkg, file } = await loadModel();
    const topK = parseTopK(c.req.query('topK'), pkg.manifest.labels.length);
    let classifier: Classifier;
    try {
      classifier = await loadClassifier();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new HttpError('MODEL_UNAVAILABLE', `the model could not be loaded: ${reason}`);
    }
    const result = await classifier.classify(bytes, { topK });
    return c.json({
      predictions: result.predictions.map((p) => ({ label: p.label, probability: p.probability })),
      model: { name: pkg.manifest.name, sha256: file.sha256, precision: options.precision },
      timings: result.timings,
    });
  });

  const allowed: Record<string, string> = { '/v1/classify': 'POST', '/v1/health': 'GET', '/v1/model': 'GET' };
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
    if (error instanceof HttpError) return c.json(errorBody(error.code, error.message), error.status as 400);
    if (error instanceof EdgemlError && error.code === 'IMAGE_DECODE') {
      return c.json(errorBody('INVALID_IMAGE', error.message), 400);
    }
    if (error instanceof EdgemlError && error.code === 'CONFIG_INVALID') {
      return c.json(errorBody('INVALID_IMAGE', error.message), 400);
    }
    console.error('edgeml worker: unexpected error', error);
    return c.json(errorBody('INTERNAL', 'internal error'), 500);
  });

  return app;
}
