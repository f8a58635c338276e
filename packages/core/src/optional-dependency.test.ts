import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from './errors.js';
import {
  importOptional,
  isPackageNotFound,
  MissingDependencyError,
  OPTIONAL_DEPENDENCIES,
  resolveOptional,
} from './optional-dependency.js';

describe('importOptional', () => {
  it('names the missing package, what needs it and the install command', async () => {
    // A module outside the repository, where no wrangler can be found, imports it for real.
    const dir = await mkdtemp(join(tmpdir(), 'edgeml-optional-'));
    try {
      await writeFile(join(dir, 'load.mjs'), "export default () => import('wrangler');\n");
      const loader = (await import(pathToFileURL(join(dir, 'load.mjs')).href)) as {
        default: () => Promise<unknown>;
      };
      const error = await importOptional('wrangler', 'wrangler', loader.default).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingDependencyError);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      const m = error as MissingDependencyError;
      expect(m.code).toBe('BACKEND_UNAVAILABLE');
      expect(m.packageName).toBe('wrangler');
      expect(m.message).toBe(
        "backend 'wrangler' is not available: package wrangler is not installed; it is needed to build, serve and deploy Cloudflare Workers: npm install wrangler@^4.0.0",
      );
      expect(m.details['install']).toBe('npm install wrangler@^4.0.0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tells a package that fails to load from one that is missing', async () => {
    const error = await importOptional('ort-node', 'onnxruntime-node', async () => {
      throw new TypeError('native binding built for another platform');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error).not.toBeInstanceOf(MissingDependencyError);
    expect((error as Error).message).toContain(
      'package onnxruntime-node is installed but failed to load: native binding built for another platform',
    );
  });

  it('returns the module when it loads', async () => {
    const path = await importOptional('node', 'onnxruntime-node', () => import('node:path'));
    expect(path.join('a', 'b')).toBe(join('a', 'b'));
  });
});

describe('isPackageNotFound', () => {
  it("matches Node's own errors for the package, not for a module inside another one", async () => {
    const esm = await import('no-such-package-edgeml' as string).catch((e: unknown) => e);
    const cjs = (() => {
      try {
        createRequire(import.meta.url).resolve('no-such-package-edgeml/package.json');
      } catch (e) {
        return e;
      }
    })();
    expect(isPackageNotFound(cjs, 'no-such-package-edgeml')).toBe(true);
    expect(isPackageNotFound(esm, 'no-such-package-edgeml')).toBe(true);
    expect(isPackageNotFound(cjs, 'no-such-package')).toBe(false);
    const inner = Object.assign(
      new Error(
        "Cannot find package 'onnxruntime-common' imported from /x/node_modules/onnxruntime-node/dist/index.js",
      ),
      { code: 'ERR_MODULE_NOT_FOUND' },
    );
    expect(isPackageNotFound(inner, 'onnxruntime-node')).toBe(false);
    expect(isPackageNotFound(new TypeError("'onnxruntime-node' is broken"), 'onnxruntime-node')).toBe(false);
  });

  it('resolveOptional returns the path, and passes on errors that are not a missing package', () => {
    // (Its missing-package case runs for real in test/packages-install.test.ts: `edgeml serve` in
    // a project without wrangler. Here pnpm's NODE_PATH would find every workspace package.)
    const require = createRequire(import.meta.url);
    expect(resolveOptional('wrangler', 'wrangler', () => require.resolve('wrangler/package.json'))).toMatch(
      /wrangler[/\\]package\.json$/,
    );
    expect(() =>
      resolveOptional('wrangler', 'wrangler', () => {
        throw new RangeError("'wrangler': bad bin");
      }),
    ).toThrow(RangeError);
  });
});

describe('OPTIONAL_DEPENDENCIES', () => {
  it('lists exactly the optional peer dependencies of the packages, with their ranges', () => {
    const packagesDir = resolve(import.meta.dirname, '../..');
    const declared = new Map<string, Set<string>>();
    for (const dir of readdirSync(packagesDir)) {
      const pkg = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
        peerDependencies?: Record<string, string>;
        peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      };
      for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
        expect(pkg.peerDependenciesMeta?.[name]?.optional, `${dir}: peer ${name} is optional`).toBe(true);
        declared.set(name, (declared.get(name) ?? new Set()).add(range));
      }
    }
    expect([...declared.keys()].sort()).toEqual(Object.keys(OPTIONAL_DEPENDENCIES).sort());
    for (const [name, ranges] of declared) {
      expect([...ranges], name).toEqual([
        OPTIONAL_DEPENDENCIES[name as keyof typeof OPTIONAL_DEPENDENCIES].version,
      ]);
    }
  });
});
