/**
 * A binary cache of a decoded data source (uint8 labels and pixels), so that slow-to-parse
 * sources (149 MB of Fashion-MNIST JSON) load in a fraction of the time after the first run.
 * Layout: 'EDGEMLC1', uint32 LE header length, UTF-8 JSON header, labels (1 byte each), pixels.
 * The header holds the key (package version + source file sizes/mtimes), so a stale or foreign
 * file is ignored; files are written atomically. A cache that cannot be read or written is
 * skipped silently: it only ever saves time.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@edgeml/core/node';
import type { DatasetInfo, InputShape } from './dataset.js';

const MAGIC = 'EDGEMLC1';

/** A decoded source: every valid image in source order, plus what was dropped. */
export interface DecodedSource {
  readonly shape: InputShape;
  readonly labels: Int32Array;
  readonly pixels: Uint8Array;
  readonly dropped: DatasetInfo['dropped'];
}

/** Where caches go: $EDGEML_CACHE_DIR, else node_modules/.cache/edgeml above the working directory. */
export function defaultCacheDir(): string {
  const fromEnv = process.env.EDGEML_CACHE_DIR;
  if (fromEnv) return fromEnv;
  let dir = process.cwd();
  for (;;) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'edgeml');
    const parent = dirname(dir);
    if (parent === dir) return join(tmpdir(), 'edgeml-cache');
    dir = parent;
  }
}

/** A cache key from a name, a version and the sizes and mtimes of the source files. */
export async function sourceCacheKey(
  name: string,
  version: string,
  files: readonly string[],
): Promise<string> {
  const parts: unknown[] = [MAGIC, name, version];
  for (const file of files) {
    const s = await stat(file);
    parts.push([basename(file), s.size, s.mtimeMs]);
  }
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

interface CacheHeader {
  key: string;
  count: number;
  shape: [number, number, number];
  dropped: DatasetInfo['dropped'];
}

/** The cached source at `file` if it exists and matches `key`, else undefined. */
export async function readSourceCache(file: string, key: string): Promise<DecodedSource | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    return undefined;
  }
  try {
    if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = view.getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as CacheHeader;
    if (header.key !== key) return undefined;
    const [h, w, c] = header.shape;
    const start = 12 + headerLength;
    if (bytes.length !== start + header.count * (1 + h * w * c)) return undefined;
    const labels = Int32Array.from(bytes.subarray(start, start + header.count));
    const pixels = new Uint8Array(
      bytes.buffer,
      bytes.byteOffset + start + header.count,
      header.count * h * w * c,
    );
    return { shape: [h, w, c], labels, pixels, dropped: header.dropped };
  } catch {
    return undefined;
  }
}

/** Writes `source` to `file` atomically; failures (read-only disk, ...) are ignored. */
export async function writeSourceCache(file: string, key: string, source: DecodedSource): Promise<boolean> {
  const count = source.labels.length;
  const header: CacheHeader = { key, count, shape: [...source.shape], dropped: source.dropped };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(12 + headerBytes.length + count + source.pixels.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  const start = 12 + headerBytes.length;
  for (let i = 0; i < count; i++) out[start + i] = source.labels[i] ?? 0;
  out.set(source.pixels, start + count);
  try {
    await writeFileAtomic(file, out);
    return true;
  } catch {
    return false;
  }
}
