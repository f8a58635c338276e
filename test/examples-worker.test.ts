// examples/worker as a user runs it: the folder copied outside the workspace, the packed @edgeml
// tarballs and wrangler 4 installed with npm, then its scripts: `npm run model` (npx edgeml train
// + export), `npm run package` (edgeml package --target worker), `npm run build` (wrangler deploy
// --dry-run --outdir: the upload bundle and its size), and the project served by the example's own
// `wrangler dev` (workerd): 20 real Fashion-MNIST test PNGs get the same top-1 (and the same
// probability within 1e-4) as onnxruntime-node through @edgeml/runtime-edge in the workspace.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClassifier } from '@edgeml/runtime-edge/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fashionTestPngs } from './support/fashion-fixture.js';
import { npmEnv, npmInstallPacked, packAll, REPO_ROOT } from './support/packed-packages.js';
import { freePort } from './support/wrangler-dev.js';

const run = promisify(execFile);

let app: string;
const logs: Record<string, string> = {};
let dev: ChildProcess | undefined;
let devLog = '';
let base = '';

async function inApp(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: app,
      env: npmEnv({ WRANGLER_SEND_METRICS: 'false', CI: 'true' }),
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${app}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    );
  }
}

/** The example's own wrangler (node_modules/.bin) serving worker/ on a free port. */
async function startDev(): Promise<void> {
  const port = await freePort();
  let inspector = await freePort();
  while (inspector === port) inspector = await freePort();
  base = `http://127.0.0.1:${port}`;
  dev = spawn(
    join(app, 'node_modules/.bin/wrangler'),
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector)],
    { cwd: join(app, 'worker'), env: npmEnv({ WRANGLER_SEND_METRICS: 'false', CI: 'true' }), stdio: 'pipe' },
  );
  dev.stdout?.on('data', (d) => {
    devLog += d;
  });
  dev.stderr?.on('data', (d) => {
    devLog += d;
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (dev.exitCode !== null) throw new Error(`wrangler dev exited ${dev.exitCode}: ${devLog}`);
    const ok = await fetch(`${base}/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not become ready: ${devLog}`);
}

beforeAll(async () => {
  const tarballs = await packAll();
  app = await mkdtemp(join(tmpdir(), 'edgeml-worker-app-'));
  const source = join(REPO_ROOT, 'examples/worker');
  for (const entry of await readdir(source)) {
    if (!['node_modules', 'runs', 'worker', 'dist', 'package-lock.json'].includes(entry)) {
      await cp(join(source, entry), join(app, entry), { recursive: true });
    }
  }
  logs['install'] = await npmInstallPacked(app, tarballs, { names: ['@edgeml/cli'] });
  for (const script of ['model', 'package', 'build']) logs[script] = await inApp('npm', ['run', script]);
  await startDev();
}, 900_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const closed = new Promise((r) => dev?.once('close', r));
    dev.kill('SIGTERM');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
  }
  if (app) await rm(app, { recursive: true, force: true });
});

describe('examples/worker, installed with npm outside the workspace', () => {
  it('packages the model as a Worker and builds the upload bundle with wrangler deploy --dry-run', async () => {
    expect(logs['package']).toMatch(/total\s+\|?\s*[\d.]+ KiB/);
    // wrangler's own report of the bundle: `Total Upload: 14077.63 KiB / gzip: 3655.71 KiB`.
    const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(logs['build'] ?? '');
    expect(size, logs['build']).not.toBeNull();
    const [raw, gzip] = [Number(size![1]), Number(size![2])];
    expect(logs['build']).toContain('--dry-run: exiting now.');
    // The bundle is written to dist/ and holds the ORT WebAssembly module and the model.
    const files = (await readdir(join(app, 'dist'), { recursive: true })).map(String);
    expect(files).toContain('index.js');
    expect(files.some((f) => f.endsWith('.wasm'))).toBe(true);
    // The uploaded modules: everything but the source map and the README wrangler writes beside them.
    const modules = files.filter((f) => !f.endsWith('.map') && !f.endsWith('README.md'));
    const sizes = await Promise.all(modules.map((f) => stat(join(app, 'dist', f))));
    const bytes = sizes.reduce((n, s) => n + s.size, 0);
    // What wrangler reports is what it wrote (within a KiB per file of rounding), under the 64 MiB limit.
    expect(Math.abs(bytes / 1024 - raw)).toBeLessThan(modules.length + 1);
    expect(raw).toBeLessThan(64 * 1024);
    expect(gzip).toBeLessThan(raw);
    console.log(`worker bundle: ${raw} KiB, gzip ${gzip} KiB (wrangler deploy --dry-run)`);
  });

  it("wrangler dev classifies 20 Fashion-MNIST PNGs with onnxruntime-node's top-1", async () => {
    const { pngs } = await fashionTestPngs(20);
    const reference = await createClassifier(join(app, 'runs/model-export'), { runtime: 'ort-node' });
    try {
      for (const png of pngs) {
        const response = await fetch(`${base}/v1/classify?topK=3`, {
          method: 'POST',
          body: png as BodyInit,
          headers: { 'content-type': 'image/png' },
        });
        expect(response.status, devLog).toBe(200);
        const body = (await response.json()) as { predictions: { label: string; probability: number }[] };
        const expected = await reference.classify(png, { topK: 3 });
        expect(body.predictions).toHaveLength(3);
        expect(body.predictions[0]!.label).toBe(expected.predictions[0]!.label);
        expect(
          Math.abs(body.predictions[0]!.probability - expected.predictions[0]!.probability),
        ).toBeLessThan(1e-4);
      }
    } finally {
      await reference.dispose();
    }
  });
});
