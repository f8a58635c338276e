// resolveChromium's order and the npm browser for real: `EDGEML_CHROMIUM=npm` unpacks
// @sparticuz/chromium (here even where Debian's chromium is installed), which launches through
// playwright-core, renders a page served on 127.0.0.1 and gets a SwiftShader WebGPU adapter; two
// unpackings racing into an empty temp directory leave one complete browser and no partial copy,
// a later call removes a killed unpack's stale partial copy (and only that), and a cache
// directory that lost its browser is unpacked again.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BackendUnavailableError } from '@edgeml/core';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions, DEFAULT_CHROMIUM_PATH, resolveChromium } from './chromium-path.js';
import { STALE_PARTIAL_MS, unpackNpmChromium } from './npm-chromium.js';

const saved = { chromium: process.env['EDGEML_CHROMIUM'], tmpdir: process.env['TMPDIR'] };
function restore(name: 'EDGEML_CHROMIUM' | 'TMPDIR', value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
afterEach(() => {
  restore('EDGEML_CHROMIUM', saved.chromium);
  restore('TMPDIR', saved.tmpdir);
});

const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
];

describe('resolveChromium', () => {
  it('without EDGEML_CHROMIUM takes /usr/bin/chromium when it exists, else the npm browser', async () => {
    delete process.env['EDGEML_CHROMIUM'];
    const found = await resolveChromium();
    if (existsSync(DEFAULT_CHROMIUM_PATH)) {
      expect(found).toMatchObject({ source: 'system', path: DEFAULT_CHROMIUM_PATH, flags: [], env: {} });
    } else {
      expect(found.source).toBe('npm');
    }
  });

  it('takes an executable EDGEML_CHROMIUM as given', async () => {
    process.env['EDGEML_CHROMIUM'] = process.execPath;
    expect(await resolveChromium()).toMatchObject({ source: 'env', path: process.execPath });
  });

  it('refuses an EDGEML_CHROMIUM that is not an executable, naming it', async () => {
    process.env['EDGEML_CHROMIUM'] = '/nonexistent/chrome';
    const error = await resolveChromium().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      /EDGEML_CHROMIUM is '\/nonexistent\/chrome', which is not an executable/,
    );
  });

  it('EDGEML_CHROMIUM=npm: the npm browser launches, renders a page and has a SwiftShader WebGPU adapter', async () => {
    process.env['EDGEML_CHROMIUM'] = 'npm';
    const found = await resolveChromium();
    expect(found.source).toBe('npm');
    expect(found.path).toMatch(/edgeml-chromium-\d+\.\d+\.\d+(-\d+)?\/chromium$/);
    expect(found.env['LD_LIBRARY_PATH']?.split(':')[0]).toBe(join(found.unpack!.dir, 'lib'));
    expect(existsSync(join(found.unpack!.dir, 'lib', 'libnss3.so'))).toBe(true);
    const server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end('<title>t</title><h1>edgeml</h1>');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const browser = await chromium.launch(chromiumLaunchOptions(found, WEBGPU_FLAGS));
    try {
      expect(browser.version()).toMatch(/^\d+\./);
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      expect(await page.textContent('h1')).toBe('edgeml');
      // A string, not a function: vitest rewrites code inside test functions.
      const adapter = await page.evaluate(`(async () => {
        const adapter = await navigator.gpu?.requestAdapter();
        if (!adapter) return 'none';
        const device = await adapter.requestDevice();
        const out = adapter.info.architecture + ' ' + typeof device.createBuffer;
        device.destroy();
        return out;
      })()`);
      expect(adapter).toBe('swiftshader function');
    } finally {
      await browser.close();
      server.close();
    }
  });

  it('two unpackings racing into an empty temp directory end with one complete browser; stale partial copies go', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgeml-unpack-race-'));
    process.env['TMPDIR'] = dir;
    try {
      const [a, b] = await Promise.all([unpackNpmChromium(), unpackNpmChromium()]);
      expect(a.path).toBe(b.path);
      expect(a.path.startsWith(dir)).toBe(true);
      expect([a.unpacked, b.unpacked].sort()).toEqual([false, true]);
      expect(await readdir(dir)).toEqual([a.dir.slice(dir.length + 1)]);
      const files = (await readdir(a.dir, { recursive: true })).map(String).sort();
      expect(files).toEqual(
        expect.arrayContaining([
          'chromium',
          'libEGL.so',
          'libGLESv2.so',
          'libvk_swiftshader.so',
          'libvulkan.so.1',
          'vk_swiftshader_icd.json',
          'lib/libnss3.so',
          'lib/libnspr4.so',
          'lib/libexpat.so.1',
          'fonts/fonts.conf',
          'fonts/fonts/Open_Sans/OpenSans-Regular.ttf',
        ]),
      );
      // Staging directories left by killed unpacks: this version's, untouched for STALE_PARTIAL_MS,
      // go at the next call; one whose executable is still being written (maybe a concurrent
      // unpack) stays, and so does another version's.
      const stale = `${a.dir}.partial-killed`;
      const running = `${a.dir}.partial-running`;
      const otherVersion = join(dir, 'edgeml-chromium-0.0.1.partial-killed');
      for (const partial of [stale, running, otherVersion]) {
        await mkdir(join(partial, 'lib'), { recursive: true });
        await writeFile(join(partial, 'chromium'), 'half a browser');
      }
      const old = new Date(Date.now() - STALE_PARTIAL_MS - 60_000);
      for (const path of [
        join(stale, 'chromium'),
        join(stale, 'lib'),
        stale,
        join(otherVersion, 'chromium'),
        join(otherVersion, 'lib'),
        otherVersion,
        join(running, 'lib'),
        running,
      ]) {
        await utimes(path, old, old);
      }
      const again = await unpackNpmChromium();
      expect(again).toMatchObject({ unpacked: false, path: a.path });
      const left = [basename(a.dir), basename(running), basename(otherVersion)].sort();
      expect((await readdir(dir)).sort()).toEqual(left);
      // A cache directory that lost its browser is unpacked again, not used half-empty.
      await rm(a.path);
      expect(await unpackNpmChromium()).toMatchObject({ unpacked: true, path: a.path });
      expect(existsSync(a.path)).toBe(true);
      expect((await readdir(dir)).sort()).toEqual(left);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
