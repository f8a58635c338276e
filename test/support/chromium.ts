/**
 * Headless Chromium for e2e tests, driven by playwright-core, with a fresh profile directory per
 * launch (removed on close). The browser is the one @edgeml/bench's resolveChromium() finds:
 * `$EDGEML_CHROMIUM` (a path, or `npm`), else /usr/bin/chromium, else the headless Chromium of the
 * npm package @sparticuz/chromium, so no test needs a browser from apt.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumLaunchOptions, type ResolvedChromium, resolveChromium } from '@edgeml/bench';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Flags for a quiet, GPU-less, offline headless Chromium. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Extra flags that give headless Chromium a software WebGPU adapter (SwiftShader's Vulkan, which
 * both Debian's chromium and @sparticuz/chromium ship): slow, but it runs ORT's WebGPU build for
 * real on a machine with no GPU.
 */
export const SWIFTSHADER_WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
];

/** The browser the tests drive (where it came from is in `source`). */
export function testChromium(): Promise<ResolvedChromium> {
  return resolveChromium();
}

function argsFor(options: { webgpu?: boolean }): string[] {
  return options.webgpu
    ? [...CHROMIUM_FLAGS.filter((flag) => flag !== '--disable-gpu'), ...SWIFTSHADER_WEBGPU_FLAGS]
    : CHROMIUM_FLAGS;
}

/** A launched browser context; close() also removes its profile directory. */
export interface ChromiumSession {
  readonly context: BrowserContext;
  /** The executable that runs, and whether it came from $EDGEML_CHROMIUM, /usr/bin or npm. */
  readonly chromium: ResolvedChromium;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh --user-data-dir (software WebGPU when asked). */
export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<ChromiumSession> {
  const found = await resolveChromium();
  const profile = await mkdtemp(join(tmpdir(), 'edgeml-chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...chromiumLaunchOptions(found, argsFor(options)),
    headless: true,
    viewport: { width: 900, height: 640 },
  });
  return {
    context,
    chromium: found,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Launches a plain headless browser (no persistent profile); the caller closes it. */
export async function launchBrowser(options: { webgpu?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    ...chromiumLaunchOptions(await resolveChromium(), argsFor(options)),
    headless: true,
  });
}
