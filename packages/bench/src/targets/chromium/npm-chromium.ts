/**
 * The headless Chromium that comes from the npm registry: `@sparticuz/chromium` ships a
 * brotli-compressed chrome-headless-shell for Linux x64 (`bin/chromium.br`) with SwiftShader's
 * Vulkan and GL (`swiftshader.tar.br`), the NSS/NSPR/expat libraries it links (`al2023.tar.br`) and
 * a font (`fonts.tar.br`). Its own `executablePath()` inflates into fixed names directly under the
 * temp directory (`/tmp/chromium`, whatever version wrote it first); this unpacks the same files
 * once per machine into a directory named after the package version, atomically (a half-written
 * browser is never used, and two processes unpacking at once both end with the same directory).
 * A process killed mid-unpack leaves its `<dir>.partial-*` staging directory (about 211 MB)
 * behind; a later call removes those of its version once they are stale. Node only.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { brotliDecompress, createBrotliDecompress } from 'node:zlib';
import { BackendUnavailableError } from '@edgeml/core';

/** The npm package that ships the browser. */
export const NPM_CHROMIUM_PACKAGE = '@sparticuz/chromium';

/** An unpacked npm Chromium: its executable, where it was unpacked, and what it needs to start. */
export interface UnpackedChromium {
  /** The chrome-headless-shell executable. */
  readonly path: string;
  /** The per-version directory holding it, SwiftShader, `lib/` (NSS, NSPR, expat) and `fonts/`. */
  readonly dir: string;
  /** `@sparticuz/chromium`'s version (its major is Chromium's). */
  readonly version: string;
  /** True when this call unpacked it (false: an earlier run had). */
  readonly unpacked: boolean;
  /** Milliseconds this call spent finding (and, the first time, unpacking) it. */
  readonly ms: number;
  /** Environment the browser process needs: its own libraries first, its fonts. */
  readonly env: Readonly<Record<string, string>>;
}

const inflate = promisify(brotliDecompress);

/** Where `@sparticuz/chromium`'s compressed files are, and its version; a typed error when it is not installed. */
async function locatePackage(): Promise<{ bin: string; version: string }> {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(NPM_CHROMIUM_PACKAGE);
  } catch (error) {
    throw new BackendUnavailableError(
      'chromium',
      `no Chromium: the npm package ${NPM_CHROMIUM_PACKAGE} is not installed (it is used when EDGEML_CHROMIUM is 'npm', or unset and /usr/bin/chromium does not exist): install it, or set EDGEML_CHROMIUM to a Chromium executable`,
      { package: NPM_CHROMIUM_PACKAGE, cause: (error as Error).message },
    );
  }
  // build/index.js -> the package root
  const root = dirname(dirname(entry));
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  return { bin: join(root, 'bin'), version };
}

/** The regular files and directories of an uncompressed (ustar) tar archive. */
function untar(archive: Buffer, name: string): { path: string; mode: number; data?: Buffer }[] {
  const entries: { path: string; mode: number; data?: Buffer }[] = [];
  const field = (header: Buffer, at: number, length: number) =>
    header
      .subarray(at, at + length)
      .toString('latin1')
      .replace(/\0.*$/s, '')
      .trim();
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const prefix = field(header, 345, 155);
    const base = field(header, 0, 100);
    const path = normalize(prefix ? `${prefix}/${base}` : base);
    const size = Number.parseInt(field(header, 124, 12) || '0', 8);
    const mode = Number.parseInt(field(header, 100, 8) || '644', 8);
    const type = field(header, 156, 1) || '0';
    if (path.startsWith('..') || path.startsWith('/')) {
      throw new BackendUnavailableError('chromium', `${name} holds a path outside its directory: '${path}'`);
    }
    const start = offset + 512;
    if (type === '0') entries.push({ path, mode, data: archive.subarray(start, start + size) });
    else if (type === '5') entries.push({ path, mode });
    else {
      throw new BackendUnavailableError(
        'chromium',
        `${name} holds '${path}' of tar type '${type}'; expected only files ('0') and directories ('5')`,
      );
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  return entries;
}

async function extract(archive: string, into: string): Promise<void> {
  for (const entry of untar(await inflate(await readFile(archive)), archive)) {
    const target = join(into, entry.path);
    if (!entry.data) {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, entry.data, { mode: entry.mode & 0o777 });
  }
}

/** fontconfig's file for the shipped font (the package's own names fixed /tmp/fonts). */
function fontsConf(dir: string): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    `  <dir>${join(dir, 'fonts', 'fonts')}</dir>`,
    '  <dir>/usr/share/fonts</dir>',
    `  <cachedir>${join(dir, 'fonts', 'cache')}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}

/** The per-user cache directory for one package version. */
function cacheDirFor(version: string): string {
  const user = typeof process.getuid === 'function' ? `-${process.getuid()}` : '';
  return join(tmpdir(), `edgeml-chromium-${version}${user}`);
}

/** A staging directory untouched this long is left over from a killed unpack (one takes seconds). */
export const STALE_PARTIAL_MS = 10 * 60 * 1000;

/**
 * Removes `<dir>.partial-*` staging directories (this version's, this user's) that neither
 * themselves nor their top-level entries (the executable being inflated is one) changed for
 * STALE_PARTIAL_MS: left by a process killed mid-unpack. A fresher one may be a concurrent unpack
 * and is kept. Best effort: what cannot be read or removed stays.
 */
async function removeStalePartials(dir: string): Promise<void> {
  const now = Date.now();
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.partial-`;
  const names = await readdir(parent).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix))
      .map(async (name) => {
        const partial = join(parent, name);
        try {
          const entries = await readdir(partial);
          const times = await Promise.all(
            [partial, ...entries.map((entry) => join(partial, entry))].map(async (path) =>
              stat(path).then(
                (s) => s.mtimeMs,
                () => now,
              ),
            ),
          );
          if (now - Math.max(...times) >= STALE_PARTIAL_MS)
            await rm(partial, { recursive: true, force: true });
        } catch {
          // Gone already (another process removed or renamed it), or not ours to read.
        }
      }),
  );
}

function envFor(dir: string): Record<string, string> {
  const libraries = join(dir, 'lib');
  const current = process.env['LD_LIBRARY_PATH'];
  return {
    LD_LIBRARY_PATH: current ? `${libraries}:${current}` : libraries,
    FONTCONFIG_PATH: join(dir, 'fonts'),
  };
}

/**
 * Unpacks `@sparticuz/chromium`'s browser into `<tmpdir>/edgeml-chromium-<version>-<uid>` unless an
 * earlier run did, and returns it; first removes stale staging directories of killed unpacks of
 * this version. Linux x64 only (what the package ships); a typed
 * BACKEND_UNAVAILABLE error otherwise, or when the package is not installed.
 */
export async function unpackNpmChromium(): Promise<UnpackedChromium> {
  const t0 = performance.now();
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new BackendUnavailableError(
      'chromium',
      `${NPM_CHROMIUM_PACKAGE} ships a Chromium for Linux x64 only, this is ${process.platform} ${process.arch}: set EDGEML_CHROMIUM to a Chromium or Chrome executable`,
      { platform: process.platform, arch: process.arch },
    );
  }
  const { bin, version } = await locatePackage();
  const dir = cacheDirFor(version);
  const done = (unpacked: boolean): UnpackedChromium => ({
    path: join(dir, 'chromium'),
    dir,
    version,
    unpacked,
    ms: performance.now() - t0,
    env: envFor(dir),
  });
  await removeStalePartials(dir);
  if (existsSync(join(dir, 'chromium'))) return done(false);
  await mkdir(dirname(dir), { recursive: true });
  const staging = await mkdtemp(`${dir}.partial-`);
  try {
    await Promise.all([
      // 64 MiB compressed, 200 MiB inflated: streamed, never whole in memory.
      pipeline(
        createReadStream(join(bin, 'chromium.br')),
        createBrotliDecompress(),
        createWriteStream(join(staging, 'chromium'), { mode: 0o755 }),
      ),
      // libEGL.so, libGLESv2.so, libvk_swiftshader.so, libvulkan.so.1 beside the executable,
      // where Chromium looks for them.
      extract(join(bin, 'swiftshader.tar.br'), staging),
      extract(join(bin, 'al2023.tar.br'), staging),
      extract(join(bin, 'fonts.tar.br'), join(staging, 'fonts')),
    ]);
    await chmod(join(staging, 'chromium'), 0o755);
    await writeFile(join(staging, 'fonts', 'fonts.conf'), fontsConf(dir));
    try {
      await rename(staging, dir);
    } catch {
      // Another process finished first: use its copy.
      if (existsSync(join(dir, 'chromium'))) {
        await rm(staging, { recursive: true, force: true });
        return done(false);
      }
      // A directory without its browser (emptied by hand, or by a temp cleaner): replace it.
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
    }
    return done(true);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
