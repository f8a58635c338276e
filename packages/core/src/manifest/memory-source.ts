/**
 * A model package held in memory: bytes by relative path. For tests, uploads and packages built in
 * a browser before they are stored anywhere.
 */
import type { ModelPackageSource } from './source.js';

/** A source over in-memory files; strings are stored as UTF-8. */
export function createMemorySource(
  files: ReadonlyMap<string, Uint8Array | string> | Readonly<Record<string, Uint8Array | string>>,
  location = 'memory:package',
): ModelPackageSource {
  const entries = files instanceof Map ? [...files.entries()] : Object.entries(files);
  const encoder = new TextEncoder();
  const stored = new Map<string, Uint8Array>(
    entries.map(([path, data]) => [path, typeof data === 'string' ? encoder.encode(data) : data]),
  );
  return {
    location,
    async read(path) {
      const bytes = stored.get(path);
      return bytes === undefined ? null : bytes.slice();
    },
  };
}
