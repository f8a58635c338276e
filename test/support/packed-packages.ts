/**
 * The `@edgeml/*` packages as a user gets them from the registry: `pnpm build`, then `pnpm pack`
 * of each package into a temporary directory, as tarballs that npm installs outside the workspace.
 *
 * Packing happens once per content of the packages: the tarballs go to
 * `$TMPDIR/edgeml-packed/<hash>/`, where `<hash>` covers every file a tarball is made from
 * (package.json, README, sources, assets, the LICENSE and the base tsconfig). Test files of one run
 * (and later runs on the same sources) reuse them; a lock directory keeps two test processes from
 * building at once.
 *
 *   const tarballs = await packAll();            // { '@edgeml/core': '/tmp/.../edgeml-core-0.1.0.tgz', ... }
 *   await npmInstallPacked(projectDir, tarballs); // npm install of the tarballs in a consumer project
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** Every published package: npm name -> folder under packages/. */
export const EDGEML_PACKAGES: Readonly<Record<string, string>> = {
  '@edgeml/core': 'core',
  '@edgeml/trainer': 'trainer',
  '@edgeml/optimizer': 'optimizer',
  '@edgeml/runtime-edge': 'runtime-edge',
  '@edgeml/compiler': 'compiler',
  '@edgeml/bench': 'bench',
  '@edgeml/pipeline': 'pipeline',
  '@edgeml/cli': 'cli',
};

/** Package name -> absolute path of its tarball. */
export type PackedPackages = Readonly<Record<string, string>>;

const CACHE_ROOT = join(tmpdir(), 'edgeml-packed');
const LOCK = join(CACHE_ROOT, '.lock');
const DONE = 'tarballs.json';
/** A lock older than this is taken to be left by a killed process. */
const STALE_LOCK_MS = 20 * 60_000;

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile() && !entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** SHA-256 over the files the tarballs are built from (paths and contents). */
export async function packInputsHash(): Promise<string> {
  const files = [join(REPO_ROOT, 'LICENSE'), join(REPO_ROOT, 'tsconfig.base.json')];
  for (const folder of Object.values(EDGEML_PACKAGES)) {
    const dir = join(REPO_ROOT, 'packages', folder);
    files.push(join(dir, 'package.json'), join(dir, 'tsconfig.json'), join(dir, 'README.md'));
    files.push(...(await listFiles(join(dir, 'src'))), ...(await listFiles(join(dir, 'assembly'))));
  }
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(relative(REPO_ROOT, file)).update('\0');
    hash.update(existsSync(file) ? await readFile(file) : 'missing').update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function readDone(dir: string): Promise<PackedPackages | undefined> {
  try {
    const tarballs = JSON.parse(await readFile(join(dir, DONE), 'utf8')) as Record<string, string>;
    return Object.values(tarballs).every((path) => existsSync(path)) ? tarballs : undefined;
  } catch {
    return undefined;
  }
}

async function withLock<T>(body: () => Promise<T>): Promise<T> {
  await mkdir(CACHE_ROOT, { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (await stat(LOCK).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await body();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

async function buildAndPack(dir: string): Promise<PackedPackages> {
  // `pnpm build` (tsc -b over every package) is incremental: a no-op when dist/ is current.
  await run('pnpm', ['build'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }).catch((error) => {
    throw new Error(`pnpm build failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  const staging = `${dir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const tarballs: Record<string, string> = {};
  for (const [name, folder] of Object.entries(EDGEML_PACKAGES)) {
    const cwd = join(REPO_ROOT, 'packages', folder);
    const { version } = JSON.parse(await readFile(join(cwd, 'package.json'), 'utf8')) as { version: string };
    await run('pnpm', ['pack', '--pack-destination', staging], { cwd, maxBuffer: 16 * 1024 * 1024 });
    const file = `${name.slice(1).replace('/', '-')}-${version}.tgz`;
    if (!existsSync(join(staging, file))) throw new Error(`pnpm pack in packages/${folder} wrote no ${file}`);
    tarballs[name] = join(dir, file);
  }
  await writeFile(join(staging, DONE), `${JSON.stringify(tarballs, null, 2)}\n`);
  await rename(staging, dir);
  return tarballs;
}

let packed: Promise<PackedPackages> | undefined;

/**
 * Builds every package and packs it (once per content of the packages); returns the tarball of
 * each package by name. Safe to call from several test files and processes at once.
 */
export function packAll(): Promise<PackedPackages> {
  packed ??= (async () => {
    const dir = join(CACHE_ROOT, await packInputsHash());
    const ready = await readDone(dir);
    if (ready) return ready;
    return withLock(async () => {
      const done = await readDone(dir);
      if (done) return done;
      await rm(dir, { recursive: true, force: true });
      const tarballs = await buildAndPack(dir);
      // Tarballs of older sources are of no more use.
      for (const entry of await readdir(CACHE_ROOT)) {
        const path = join(CACHE_ROOT, entry);
        if (entry !== '.lock' && path !== dir && Date.now() - (await stat(path)).mtimeMs > 3_600_000) {
          await rm(path, { recursive: true, force: true });
        }
      }
      return tarballs;
    });
  })();
  packed.catch(() => {
    packed = undefined;
  });
  return packed;
}

/**
 * Environment for npm and the consumer's own commands in tests: onnxruntime-node's postinstall (a CUDA download from a host these
 * machines cannot reach) is skipped, as its README allows; nothing else changes.
 */
export function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ...extra };
  // pnpm's own settings (set when tests run under `pnpm vitest`) are not npm's, and pnpm's
  // NODE_PATH (the workspace's hoisted packages) would let a consumer find packages it never
  // installed.
  for (const key of Object.keys(env)) {
    if (/^(npm_|pnpm_|PNPM_)/.test(key) || key === 'NODE_PATH') delete env[key];
  }
  return env;
}

/**
 * `npm install` in `projectDir` (which has a package.json) of the given packages' tarballs, as
 * dependencies, plus `extra` registry packages (`name@version`). Every `@edgeml/*` dependency
 * between the tarballs is pinned to its tarball with `overrides`, so npm never asks the registry
 * for an `@edgeml` package. Returns npm's output.
 */
export async function npmInstallPacked(
  projectDir: string,
  tarballs: PackedPackages,
  options: { names?: readonly string[]; extra?: readonly string[] } = {},
): Promise<string> {
  const names = options.names ?? Object.keys(tarballs);
  const pkgFile = join(projectDir, 'package.json');
  const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as Record<string, Record<string, string> | unknown>;
  const dependencies = { ...((pkg['dependencies'] as Record<string, string> | undefined) ?? {}) };
  const overrides: Record<string, string> = {};
  for (const [name, path] of Object.entries(tarballs)) {
    overrides[name] = `file:${path}`;
    if (names.includes(name)) dependencies[name] = `file:${path}`;
  }
  pkg['dependencies'] = dependencies;
  pkg['overrides'] = { ...((pkg['overrides'] as Record<string, string> | undefined) ?? {}), ...overrides };
  await writeFile(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  // --prefer-offline: what npm's cache holds is not revalidated (saves a request per package).
  const args = [
    'install',
    '--no-audit',
    '--no-fund',
    '--no-package-lock',
    '--prefer-offline',
    ...(options.extra ?? []),
  ];
  try {
    const { stdout, stderr } = await run('npm', args, {
      cwd: projectDir,
      env: npmEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `npm ${args.join(' ')} failed in ${projectDir}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    );
  }
}
