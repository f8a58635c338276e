/**
 * The one place that decides which Chromium edgeml drives (the bench's chromium targets, the e2e
 * browser tests): `$EDGEML_CHROMIUM` (a path, or `npm` to force the npm browser), else Debian's
 * `/usr/bin/chromium`, else the headless Chromium from the npm package `@sparticuz/chromium`,
 * unpacked once per machine. Node only.
 */
import { accessSync, constants } from 'node:fs';
import { BackendUnavailableError } from '@edgeml/core';
import { NPM_CHROMIUM_PACKAGE, unpackNpmChromium } from './npm-chromium.js';

/** Default Chromium executable (Debian's `chromium` package). */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Where the Chromium came from: `$EDGEML_CHROMIUM`, /usr/bin/chromium, or the npm registry. */
export type ChromiumSource = 'env' | 'system' | 'npm';

/** A Chromium to launch: its executable and what it needs on top of the caller's own flags. */
export interface ResolvedChromium {
  /** The executable. */
  readonly path: string;
  /** Which rule found it. */
  readonly source: ChromiumSource;
  /** Flags it needs on every launch (the npm browser: `--no-sandbox`, it ships no sandbox helper). */
  readonly flags: readonly string[];
  /** Environment variables it needs on top of `process.env` (the npm browser: its libraries and fonts). */
  readonly env: Readonly<Record<string, string>>;
  /** The npm browser only: whether this process unpacked it, and how long finding it took (ms). */
  readonly unpack?: { readonly unpacked: boolean; readonly ms: number; readonly dir: string };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function resolveOnce(choice: string): Promise<ResolvedChromium> {
  if (choice && choice !== 'npm') {
    if (!isExecutable(choice)) {
      throw new BackendUnavailableError(
        'chromium',
        `EDGEML_CHROMIUM is '${choice}', which is not an executable file; expected the path of a Chromium executable, or 'npm' for the browser from ${NPM_CHROMIUM_PACKAGE}`,
        { EDGEML_CHROMIUM: choice },
      );
    }
    return { path: choice, source: 'env', flags: [], env: {} };
  }
  if (!choice && isExecutable(DEFAULT_CHROMIUM_PATH)) {
    return { path: DEFAULT_CHROMIUM_PATH, source: 'system', flags: [], env: {} };
  }
  const npm = await unpackNpmChromium();
  return {
    path: npm.path,
    source: 'npm',
    flags: ['--no-sandbox'],
    env: npm.env,
    unpack: { unpacked: npm.unpacked, ms: npm.ms, dir: npm.dir },
  };
}

const resolved = new Map<string, Promise<ResolvedChromium>>();

/**
 * The Chromium to drive: `$EDGEML_CHROMIUM` when set (a path; `npm` forces the npm browser),
 * else /usr/bin/chromium when it exists, else `@sparticuz/chromium`'s headless shell (unpacked into
 * `<tmpdir>/edgeml-chromium-<version>-<uid>` the first time, about 2 s). Rejects with a typed
 * BACKEND_UNAVAILABLE error naming what was tried. Cached per process.
 */
export function resolveChromium(): Promise<ResolvedChromium> {
  const choice = process.env['EDGEML_CHROMIUM']?.trim() ?? '';
  let found = resolved.get(choice);
  if (!found) {
    found = resolveOnce(choice);
    resolved.set(choice, found);
    found.catch(() => resolved.delete(choice));
  }
  return found;
}

/** playwright-core launch options for `chromium`: its executable, its flags then `args`, its environment. */
export function chromiumLaunchOptions(
  chromium: ResolvedChromium,
  args: readonly string[] = [],
): { executablePath: string; args: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  const flags = [...chromium.flags, ...args.filter((flag) => !chromium.flags.includes(flag))];
  return { executablePath: chromium.path, args: flags, env: { ...env, ...chromium.env } };
}
