/**
 * Headless Chromium for e2e tests: Debian's `/usr/bin/chromium` driven by playwright-core, with a
 * fresh profile directory per launch (removed on close). Tests that need it skip when it is absent.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Where Debian's chromium package installs the browser. */
export const CHROMIUM_PATH = process.env['EDGEML_CHROMIUM'] ?? '/usr/bin/chromium';

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
 * Debian's chromium ships): slow, but it runs ORT's WebGPU build for real on a machine with no GPU.
 */
export const SWIFTSHADER_WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
];

/** True when the browser binary is installed. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** A launched browser context; close() also removes its profile directory. */
export interface ChromiumSession {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh --user-data-dir (software WebGPU when asked). */
export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<ChromiumSession> {
  const profile = await mkdtemp(join(tmpdir(), 'edgeml-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: options.webgpu
      ? [...CHROMIUM_FLAGS.filter((flag) => flag !== '--disable-gpu'), ...SWIFTSHADER_WEBGPU_FLAGS]
      : CHROMIUM_FLAGS,
    viewport: { width: 900, height: 640 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
