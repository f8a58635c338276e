/**
 * A model package served over HTTP(S): each file is fetched relative to a base URL. Works wherever
 * `fetch` exists (browsers, Workers, Node 20).
 */
import { ManifestFileMissingError } from '../errors.js';
import { packagePathProblem } from './paths.js';
import type { ModelPackageSource } from './source.js';
import { MANIFEST_FILE_NAME } from './types.js';

/** Options of createFetchSource. */
export interface FetchSourceOptions {
  /** The fetch to use (a Worker service binding's, a mock-free test server's, ...). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Extra request options (headers, credentials, cache mode). */
  init?: RequestInit;
}

/** A source that fetches `<baseUrl>/<path>`; 404 and 410 mean the file does not exist. */
export function createFetchSource(
  baseUrl: string | URL,
  options: FetchSourceOptions = {},
): ModelPackageSource {
  const href = String(baseUrl);
  const base = new URL(href.endsWith('/') ? href : `${href}/`);
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const location = base.href;
  return {
    location,
    async read(path) {
      const problem = path === MANIFEST_FILE_NAME ? null : packagePathProblem(path);
      if (problem) throw new RangeError(`package path ${JSON.stringify(path)} ${problem}`);
      const url = new URL(path.split('/').map(encodeURIComponent).join('/'), base);
      let response: Response;
      try {
        response = await fetchFn(url, options.init);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ManifestFileMissingError(`cannot fetch '${path}' of model package ${location}: ${reason}`, {
          file: path,
          location,
          url: url.href,
        });
      }
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new ManifestFileMissingError(
          `cannot fetch '${path}' of model package ${location}: HTTP ${response.status} ${response.statusText}`,
          { file: path, location, url: url.href, status: response.status },
        );
      }
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}
