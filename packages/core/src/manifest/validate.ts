/**
 * Validation of manifest.json: a hand-written checker (no dependencies) that reports the JSON path
 * of the first bad key and what it expected, checks the fields against each other (input shape vs
 * preprocessing, labels vs files) and returns a fresh copy with keys in a stable order.
 */
import { formatAllowed, ManifestInvalidError, SchemaVersionError } from '../errors.js';
import {
  checkArray,
  checkEnum,
  checkJsonObject,
  checkNumber,
  checkObject,
  checkSha256,
  checkString,
  checkTimestamp,
  fail,
  keyPath,
} from './json-check.js';
import { packagePathProblem } from './paths.js';
import {
  CHANNEL_MODES,
  type DatasetReference,
  FILE_ROLES,
  INPUT_DTYPES,
  type LineageInput,
  type LineageStep,
  type MetricValue,
  MODEL_FILE_FORMATS,
  MODEL_FORMATS,
  type ModelFileEntry,
  type ModelInput,
  type ModelManifest,
  OUTPUT_ACTIVATIONS,
  PRECISIONS,
  type Preprocessing,
  RESIZE_FITS,
  RESIZE_METHODS,
  SUPPORTED_SCHEMA_VERSIONS,
  TENSOR_LAYOUTS,
  type TrainingInfo,
} from './types.js';

const ROOT = 'manifest';
const MANIFEST_KEYS = [
  'schemaVersion',
  'name',
  'description',
  'labels',
  'input',
  'output',
  'preprocessing',
  'files',
  'metrics',
  'lineage',
  'training',
  'data',
  'extra',
] as const;

/** Checks parsed manifest JSON and returns it typed (a copy); throws naming the first bad JSON path. */
export function validateManifest(json: unknown): ModelManifest {
  const root = checkObject(json, ROOT);
  checkSchemaVersion(root['schemaVersion']);
  checkObject(json, ROOT, MANIFEST_KEYS);

  const name = checkString(root['name'], `${ROOT}.name`);
  const description =
    root['description'] === undefined
      ? undefined
      : checkString(root['description'], `${ROOT}.description`, true);
  const labels = checkLabels(root['labels'], `${ROOT}.labels`);
  const input = checkInput(root['input'], `${ROOT}.input`);
  const preprocessing = checkPreprocessing(root['preprocessing'], `${ROOT}.preprocessing`, input);
  const files = checkFiles(root['files'], `${ROOT}.files`);
  const filePaths = new Set(files.map((f) => f.path));

  const manifest: ModelManifest = {
    schemaVersion: 1,
    name,
    ...(description !== undefined && { description }),
    labels,
    input,
    ...(root['output'] !== undefined && { output: checkOutput(root['output'], `${ROOT}.output`) }),
    preprocessing,
    files,
    metrics: checkMetrics(root['metrics'], `${ROOT}.metrics`, filePaths),
    lineage: checkArray(root['lineage'], `${ROOT}.lineage`).map((step, i) =>
      checkLineageStep(step, `${ROOT}.lineage[${i}]`),
    ),
    ...(root['training'] !== undefined && { training: checkTraining(root['training'], `${ROOT}.training`) }),
    ...(root['data'] !== undefined && { data: checkDataAgainstModel(root['data'], labels, input) }),
    ...(root['extra'] !== undefined && { extra: checkJsonObject(root['extra'], `${ROOT}.extra`) }),
  };
  return manifest;
}

/** Parses manifest.json text or bytes and validates it; `location` names the package in errors. */
export function parseManifest(text: string | Uint8Array, location = 'manifest.json'): ModelManifest {
  const source = typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: false }).decode(text);
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ManifestInvalidError(`manifest.json of ${location} is not valid JSON: ${reason}`, {
      location,
      path: ROOT,
    });
  }
  return validateManifest(json);
}

function checkSchemaVersion(value: unknown): void {
  const path = `${ROOT}.schemaVersion`;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(path, `a positive integer (supported: ${SUPPORTED_SCHEMA_VERSIONS.join(', ')})`, value);
  }
  if (!SUPPORTED_SCHEMA_VERSIONS.includes(value))
    throw new SchemaVersionError(value, SUPPORTED_SCHEMA_VERSIONS);
}

function checkLabels(value: unknown, path: string): string[] {
  const labels = checkArray(value, path, { min: 1 }).map((label, i) => checkString(label, `${path}[${i}]`));
  const seen = new Map<string, number>();
  labels.forEach((label, i) => {
    const first = seen.get(label);
    if (first !== undefined) {
      throw new ManifestInvalidError(
        `${path}[${i}] repeats label ${JSON.stringify(label)} of ${path}[${first}]`,
        {
          path: `${path}[${i}]`,
        },
      );
    }
    seen.set(label, i);
  });
  return labels;
}

function checkInput(value: unknown, path: string): ModelInput {
  const record = checkObject(value, path, ['shape', 'layout', 'dtype']);
  const shape = checkArray(record['shape'], `${path}.shape`, { exact: 3 }).map((dim, i) =>
    checkNumber(dim, `${path}.shape[${i}]`, { integer: true, positive: true }),
  ) as [number, number, number];
  return {
    shape,
    layout: checkEnum(record['layout'], `${path}.layout`, TENSOR_LAYOUTS),
    dtype: checkEnum(record['dtype'], `${path}.dtype`, INPUT_DTYPES),
  };
}

function checkOutput(value: unknown, path: string): NonNullable<ModelManifest['output']> {
  const record = checkObject(value, path, ['activation']);
  return { activation: checkEnum(record['activation'], `${path}.activation`, OUTPUT_ACTIVATIONS) };
}

function checkPreprocessing(value: unknown, path: string, input: ModelInput): Preprocessing {
  const record = checkObject(value, path, ['resize', 'channels', 'scale', 'mean', 'std']);
  const resizeRecord = checkObject(record['resize'], `${path}.resize`, ['height', 'width', 'method', 'fit']);
  const [height, width, channelCount] = input.shape;
  const resize = {
    height: checkNumber(resizeRecord['height'], `${path}.resize.height`, { integer: true, positive: true }),
    width: checkNumber(resizeRecord['width'], `${path}.resize.width`, { integer: true, positive: true }),
    method: checkEnum(resizeRecord['method'], `${path}.resize.method`, RESIZE_METHODS),
    ...(resizeRecord['fit'] !== undefined && {
      fit: checkEnum(resizeRecord['fit'], `${path}.resize.fit`, RESIZE_FITS),
    }),
  };
  if (resize.height !== height)
    fail(`${path}.resize.height`, `${height} (manifest.input.shape[0])`, resize.height);
  if (resize.width !== width)
    fail(`${path}.resize.width`, `${width} (manifest.input.shape[1])`, resize.width);
  const channels = checkEnum(record['channels'], `${path}.channels`, CHANNEL_MODES);
  const expectedChannels = channels === 'grayscale' ? 1 : 3;
  if (channelCount !== expectedChannels) {
    fail('manifest.input.shape[2]', `${expectedChannels} for ${path}.channels '${channels}'`, channelCount);
  }
  const perChannel = (key: 'mean' | 'std'): number[] =>
    checkArray(record[key], `${path}.${key}`, { exact: expectedChannels }).map((x, i) =>
      checkNumber(x, `${path}.${key}[${i}]`, { positive: key === 'std' }),
    );
  return {
    resize,
    channels,
    scale: checkNumber(record['scale'], `${path}.scale`, { positive: true }),
    mean: perChannel('mean'),
    std: perChannel('std'),
  };
}

function checkFiles(value: unknown, path: string): ModelFileEntry[] {
  const seen = new Map<string, number>();
  const files = checkArray(value, path).map((item, i) => {
    const at = `${path}[${i}]`;
    const entry = checkFileEntry(item, at);
    const first = seen.get(entry.path);
    if (first !== undefined) {
      throw new ManifestInvalidError(
        `${at}.path repeats ${JSON.stringify(entry.path)} of ${path}[${first}]`,
        {
          path: `${at}.path`,
        },
      );
    }
    seen.set(entry.path, i);
    return entry;
  });
  for (const [i, entry] of files.entries()) {
    const segments = entry.path.split('/');
    for (let n = 1; n < segments.length; n++) {
      const parent = segments.slice(0, n).join('/');
      const clash = seen.get(parent);
      if (clash !== undefined) {
        throw new ManifestInvalidError(
          `${path}[${i}].path ${JSON.stringify(entry.path)} needs directory '${parent}', which ${path}[${clash}] lists as a file`,
          { path: `${path}[${i}].path` },
        );
      }
    }
  }
  return files;
}

/** A file's `runtimes`: distinct runtime names (lowercase letters, digits, '-'), at least one. */
function checkRuntimes(value: unknown, path: string): string[] {
  const names = checkArray(value, path, { min: 1 }).map((name, i) => {
    const s = checkString(name, `${path}[${i}]`);
    if (!/^[a-z][a-z0-9-]*$/.test(s)) fail(`${path}[${i}]`, "a runtime name such as 'ort-web'", s);
    return s;
  });
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) fail(path, 'distinct runtime names', dup);
  return names;
}

/** Checks one `files[]` entry; exported for writers that build entries before the whole manifest. */
export function checkFileEntry(value: unknown, path: string): ModelFileEntry {
  const record = checkObject(value, path, [
    'path',
    'format',
    'precision',
    'role',
    'bytes',
    'sha256',
    'inputLayout',
    'inputDtype',
    'runtimes',
  ]);
  const filePath = checkString(record['path'], `${path}.path`);
  const problem = packagePathProblem(filePath);
  if (problem)
    fail(`${path}.path`, `a relative '/'-separated path inside the package (it ${problem})`, filePath);
  const format = checkEnum(record['format'], `${path}.format`, MODEL_FILE_FORMATS);
  const isModel = MODEL_FORMATS.includes(format);
  if (isModel && record['precision'] === undefined) {
    fail(
      `${path}.precision`,
      `one of ${formatAllowed(PRECISIONS)} (required for format '${format}')`,
      undefined,
    );
  }
  return {
    path: filePath,
    format,
    ...(record['precision'] !== undefined && {
      precision: checkEnum(record['precision'], `${path}.precision`, PRECISIONS),
    }),
    ...(record['role'] !== undefined && { role: checkEnum(record['role'], `${path}.role`, FILE_ROLES) }),
    bytes: checkNumber(record['bytes'], `${path}.bytes`, { integer: true, min: 0 }),
    sha256: checkSha256(record['sha256'], `${path}.sha256`),
    ...(record['inputLayout'] !== undefined && {
      inputLayout: checkEnum(record['inputLayout'], `${path}.inputLayout`, TENSOR_LAYOUTS),
    }),
    ...(record['inputDtype'] !== undefined && {
      inputDtype: checkEnum(record['inputDtype'], `${path}.inputDtype`, INPUT_DTYPES),
    }),
    ...(record['runtimes'] !== undefined && {
      runtimes: checkRuntimes(record['runtimes'], `${path}.runtimes`),
    }),
  };
}

function checkMetrics(
  value: unknown,
  path: string,
  filePaths: ReadonlySet<string>,
): Record<string, MetricValue> {
  const record = checkObject(value, path);
  const metrics: Record<string, MetricValue> = {};
  for (const [key, metric] of Object.entries(record)) {
    const at = keyPath(path, key);
    if (key.length === 0) fail(at, 'a non-empty metric name', key);
    if (typeof metric === 'number') {
      metrics[key] = checkNumber(metric, at);
      continue;
    }
    const m = checkObject(metric, at, ['value', 'split', 'samples', 'file', 'unit']);
    const file = m['file'] === undefined ? undefined : checkString(m['file'], `${at}.file`);
    if (file !== undefined && !filePaths.has(file))
      fail(`${at}.file`, 'the path of a file in manifest.files', file);
    metrics[key] = {
      value: checkNumber(m['value'], `${at}.value`),
      ...(m['split'] !== undefined && { split: checkString(m['split'], `${at}.split`) }),
      ...(m['samples'] !== undefined && {
        samples: checkNumber(m['samples'], `${at}.samples`, { integer: true, positive: true }),
      }),
      ...(file !== undefined && { file }),
      ...(m['unit'] !== undefined && { unit: checkString(m['unit'], `${at}.unit`) }),
    };
  }
  return metrics;
}

/** Checks one lineage step; exported for tools that append steps. */
export function checkLineageStep(value: unknown, path: string): LineageStep {
  const record = checkObject(value, path, [
    'kind',
    'name',
    'config',
    'inputs',
    'outputs',
    'createdAt',
    'tool',
    'durationMs',
    'report',
  ]);
  const tool = checkObject(record['tool'], `${path}.tool`, ['name', 'version']);
  return {
    kind: checkEnum(record['kind'], `${path}.kind`, ['command', 'pass'] as const),
    name: checkString(record['name'], `${path}.name`),
    config: checkJsonObject(record['config'], `${path}.config`),
    inputs: checkArray(record['inputs'], `${path}.inputs`).map((input, i) =>
      checkLineageInput(input, `${path}.inputs[${i}]`),
    ),
    ...(record['outputs'] !== undefined && {
      outputs: checkArray(record['outputs'], `${path}.outputs`).map((p, i) =>
        checkString(p, `${path}.outputs[${i}]`),
      ),
    }),
    createdAt: checkTimestamp(record['createdAt'], `${path}.createdAt`),
    tool: {
      name: checkString(tool['name'], `${path}.tool.name`),
      version: checkString(tool['version'], `${path}.tool.version`),
    },
    ...(record['durationMs'] !== undefined && {
      durationMs: checkNumber(record['durationMs'], `${path}.durationMs`, { min: 0 }),
    }),
    ...(record['report'] !== undefined && { report: checkJsonObject(record['report'], `${path}.report`) }),
  };
}

function checkLineageInput(value: unknown, path: string): LineageInput {
  const record = checkObject(value, path, ['name', 'sha256', 'kind']);
  return {
    name: checkString(record['name'], `${path}.name`),
    sha256: checkSha256(record['sha256'], `${path}.sha256`),
    ...(record['kind'] !== undefined && {
      kind: checkEnum(record['kind'], `${path}.kind`, ['manifest', 'model', 'dataset', 'file'] as const),
    }),
  };
}

function checkTraining(value: unknown, path: string): TrainingInfo {
  const record = checkObject(value, path, ['dataset', 'backend', 'epochs', 'batchSize', 'seed', 'samples']);
  const training: TrainingInfo = {
    dataset: checkString(record['dataset'], `${path}.dataset`),
    backend: checkString(record['backend'], `${path}.backend`),
    epochs: checkNumber(record['epochs'], `${path}.epochs`, { integer: true, min: 0 }),
  };
  if (record['batchSize'] !== undefined) {
    training.batchSize = checkNumber(record['batchSize'], `${path}.batchSize`, {
      integer: true,
      positive: true,
    });
  }
  if (record['seed'] !== undefined)
    training.seed = checkNumber(record['seed'], `${path}.seed`, { integer: true });
  if (record['samples'] !== undefined) {
    const samples = checkObject(record['samples'], `${path}.samples`, ['train', 'validation', 'test']);
    training.samples = {};
    for (const split of ['train', 'validation', 'test'] as const) {
      if (samples[split] !== undefined) {
        training.samples[split] = checkNumber(samples[split], `${path}.samples.${split}`, {
          integer: true,
          min: 0,
        });
      }
    }
  }
  return training;
}

function checkDataAgainstModel(
  value: unknown,
  labels: readonly string[],
  input: ModelInput,
): DatasetReference {
  const path = `${ROOT}.data`;
  const data = checkDatasetReference(value, path);
  if (data.classNames.join('\n') !== labels.join('\n'))
    fail(`${path}.classNames`, `the labels of manifest.labels (${labels.length})`, data.classNames);
  if (data.inputShape.join(',') !== input.shape.join(','))
    fail(`${path}.inputShape`, `[${input.shape.join(', ')}] (manifest.input.shape)`, data.inputShape);
  return data;
}

/** Checks a data set reference (`manifest.data`); exported for tools that read it alone. */
export function checkDatasetReference(value: unknown, path: string): DatasetReference {
  const record = checkObject(value, path, [
    'name',
    'source',
    'dir',
    'seed',
    'validationSize',
    'testFraction',
    'imageSize',
    'channels',
    'fit',
    'classes',
    'perClass',
    'splitPolicy',
    'classNames',
    'inputShape',
    'splitSizes',
  ]);
  const count = (v: unknown, at: string) => checkNumber(v, at, { integer: true, min: 0 });
  const sizes = checkObject(record['splitSizes'], `${path}.splitSizes`, ['train', 'validation', 'test']);
  return {
    name: checkString(record['name'], `${path}.name`),
    source: checkString(record['source'], `${path}.source`),
    ...(record['dir'] !== undefined && { dir: checkString(record['dir'], `${path}.dir`) }),
    seed: checkNumber(record['seed'], `${path}.seed`, { integer: true, min: 0 }),
    ...(record['validationSize'] !== undefined && {
      validationSize: count(record['validationSize'], `${path}.validationSize`),
    }),
    ...(record['testFraction'] !== undefined && {
      testFraction: checkNumber(record['testFraction'], `${path}.testFraction`, { min: 0 }),
    }),
    ...(record['imageSize'] !== undefined && {
      imageSize: checkNumber(record['imageSize'], `${path}.imageSize`, { integer: true, positive: true }),
    }),
    ...(record['channels'] !== undefined && {
      channels: checkEnum(record['channels'], `${path}.channels`, CHANNEL_MODES),
    }),
    ...(record['fit'] !== undefined && { fit: checkEnum(record['fit'], `${path}.fit`, RESIZE_FITS) }),
    ...(record['classes'] !== undefined && {
      classes: checkArray(record['classes'], `${path}.classes`).map((c, i) =>
        count(c, `${path}.classes[${i}]`),
      ),
    }),
    ...(record['perClass'] !== undefined && {
      perClass: checkNumber(record['perClass'], `${path}.perClass`, { integer: true, positive: true }),
    }),
    splitPolicy: checkString(record['splitPolicy'], `${path}.splitPolicy`),
    classNames: checkLabels(record['classNames'], `${path}.classNames`),
    inputShape: checkArray(record['inputShape'], `${path}.inputShape`, { exact: 3 }).map((dim, i) =>
      checkNumber(dim, `${path}.inputShape[${i}]`, { integer: true, positive: true }),
    ) as [number, number, number],
    splitSizes: {
      train: count(sizes['train'], `${path}.splitSizes.train`),
      validation: count(sizes['validation'], `${path}.splitSizes.validation`),
      test: count(sizes['test'], `${path}.splitSizes.test`),
    },
  };
}
