/**
 * The size of a Worker as Cloudflare counts it: `wrangler deploy --dry-run --outdir` writes the
 * modules it would upload; their total raw size is compared with the script size limit (64 MiB
 * uncompressed on both plans, `WORKER_LIMITS.scriptBytes`); gzip sizes are reported for information
 * (transfer size), not checked. Node only.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runWrangler } from '../../node/wrangler.js';

/** One uploaded module. */
export interface BundleModuleSize {
  readonly path: string;
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** Sizes of a Worker upload. */
export interface BundleSize {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly modules: readonly BundleModuleSize[];
  /** Wrangler's own "Total Upload" line, when it printed one. */
  readonly wranglerReport?: string;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Runs `wrangler deploy --dry-run --outdir` in `projectDir` and measures what it would upload. */
export async function measureWorkerBundle(projectDir: string): Promise<BundleSize> {
  const outdir = await mkdtemp(join(tmpdir(), 'edgeml-dry-run-'));
  try {
    const { stdout, stderr } = await runWrangler(['deploy', '--dry-run', '--outdir', outdir], projectDir);
    const modules: BundleModuleSize[] = [];
    for (const file of await listFiles(outdir)) {
      if (file.endsWith('.map') || file.endsWith('README.md')) continue;
      const bytes = await readFile(file);
      modules.push({
        path: relative(outdir, file),
        bytes: bytes.byteLength,
        gzipBytes: gzipSync(bytes).byteLength,
      });
    }
    modules.sort((a, b) => b.bytes - a.bytes);
    const report = /Total Upload:[^\n]*/.exec(stdout + stderr)?.[0]?.trim();
    return {
      bytes: modules.reduce((n, m) => n + m.bytes, 0),
      gzipBytes: modules.reduce((n, m) => n + m.gzipBytes, 0),
      modules,
      ...(report ? { wranglerReport: report } : {}),
    };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
