/**
 * Loading LiteRT.js (`@litertjs/core`, Google's web runtime for `.tflite`: XNNPack on Wasm) once
 * per JavaScript realm. `loadLiteRt(path)` fetches the emscripten glue `litert_wasm*_internal.js`
 * from `path` (a directory: it picks the relaxed-SIMD build where the engine has relaxed SIMD,
 * else the compat build) and keeps one global instance; every model shares it.
 *
 * The runtime's own log lines (emscripten `printErr`: INFO lines at every environment and model,
 * a WARNING that no NPU is there) are kept in a short ring instead of printed; the last WARNING and
 * ERROR lines are added to the message of a load that fails, and `log` receives every line.
 *
 * Web-standard: browsers load the glue with a `<script>` tag (or `importScripts` in a Worker);
 * Node needs the two shims of `litert-runtime-node.ts` (`@edgeml/runtime-edge/node`).
 */
import { BackendUnavailableError } from '@edgeml/core';

/** Settings for LiteRT.js. */
export interface LiteRtSettings {
  /**
   * URL (or, in Node, directory) of LiteRT.js's `wasm/` folder (`node_modules/@litertjs/core/wasm/`
   * served by your site). Required on the web entry; the Node entry finds the installed one.
   */
  readonly wasmPath?: string;
  /** Receives every line the LiteRT.js runtime logs (dropped by default). */
  readonly log?: (line: string) => void;
}

/** The part of `@litertjs/core` the adapter uses. */
export type LiteRtModule = typeof import('@litertjs/core');

/** Prepares the realm before `loadLiteRt` runs (Node: shims); answers the wasm path and an undo. */
export type LiteRtRealmSetup = (
  settings: LiteRtSettings,
) => Promise<{ readonly wasmPath: string; readonly restore: () => void }>;

const LOG_LINES = 40;
const logLines: string[] = [];
let logSink: ((line: string) => void) | undefined;

function recordLog(line: string): void {
  logLines.push(line);
  if (logLines.length > LOG_LINES) logLines.shift();
  logSink?.(line);
}

/** The runtime's recent WARNING/ERROR lines (for error messages), or '' when there are none. */
export function liteRtLogTail(): string {
  const lines = logLines.filter((line) => /^(WARNING|ERROR)/.test(line) && !/NPU accelerator/.test(line));
  return lines.slice(-4).join(' | ');
}

let loading: Promise<LiteRtModule> | undefined;

async function importLiteRt(): Promise<LiteRtModule> {
  try {
    return await import('@litertjs/core');
  } catch (error) {
    throw new BackendUnavailableError('litert', 'package @litertjs/core is not installed', {
      cause: String(error),
    });
  }
}

/** The web realm: nothing to shim; the wasm path must be given. */
const webRealm: LiteRtRealmSetup = async (settings) => {
  if (!settings.wasmPath) {
    throw new BackendUnavailableError(
      'litert',
      "'liteRt.wasmPath' must name the URL of @litertjs/core's wasm/ folder (the web entry cannot find it)",
    );
  }
  return { wasmPath: settings.wasmPath, restore: () => {} };
};

async function load(settings: LiteRtSettings, setup: LiteRtRealmSetup): Promise<LiteRtModule> {
  const litert = await importLiteRt();
  logSink = settings.log;
  if (litert.getGlobalLiteRtPromise()) {
    await litert.getGlobalLiteRtPromise();
    return litert;
  }
  const { wasmPath, restore } = await setup(settings);
  // The glue reads its Module overrides from the global `Module` (wasm-utils clears it after).
  const g = globalThis as Record<string, unknown>;
  const previous = Object.getOwnPropertyDescriptor(g, 'Module');
  g['Module'] = { print: recordLog, printErr: recordLog };
  try {
    await litert.loadLiteRt(wasmPath);
  } catch (error) {
    throw new BackendUnavailableError(
      'litert',
      `LiteRT.js could not load its WebAssembly from ${wasmPath}: ${error instanceof Error ? error.message : String(error)}`,
      { wasmPath },
    );
  } finally {
    if (previous) Object.defineProperty(g, 'Module', previous);
    else delete g['Module'];
    restore();
  }
  return litert;
}

/** Loads LiteRT.js once per realm (later calls share the first load; a failed load is retried). */
export function loadLiteRtRuntime(
  settings: LiteRtSettings = {},
  setup: LiteRtRealmSetup = webRealm,
): Promise<LiteRtModule> {
  if (!loading) {
    loading = load(settings, setup);
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}
