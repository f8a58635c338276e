/**
 * model.js's load() in Node, in a fresh process (the state a user's program starts from): bytes,
 * a WebAssembly.Module and a Response-like object all load the same model, and loading from bytes
 * or a Module never touches the global `Response` or `fetch` (their first touch loads Node's fetch
 * implementation, about 20 ms of CPU: most of a cold start that issue 17 wants under 10 ms).
 */

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A test-only fixture of the optimizer (its package exports no testing entry).
import {
  OP_COVERAGE_INPUT_SHAPE,
  opCoverageGraph,
} from '../../../optimizer/src/testing/op-coverage-graph.js';
import { compileGraph } from '../compile-graph.js';

const SCRIPT = `
import { readFile } from 'node:fs/promises';
const touched = [];
for (const name of ['Response', 'fetch']) {
  const value = globalThis[name];
  Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name); return value; } });
}
const dir = process.env.DIR;
const bytes = await readFile(dir + '/model.wasm');
const { load } = await import(dir + '/model.js');
const n = ${OP_COVERAGE_INPUT_SHAPE.reduce((a, b) => a * b, 1)};
const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
const fromBytes = (await load(bytes)).run(x);
const fromModule = (await load(new WebAssembly.Module(bytes))).run(x);
const touchedBeforeResponse = [...touched];
const fromResponseLike = (await load({ arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) })).run(x);
const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
process.stdout.write(JSON.stringify({ touchedBeforeResponse, sameModule: same(fromBytes, fromModule), sameResponse: same(fromBytes, fromResponseLike), length: fromBytes.length }));
`;

describe('model.js load() in Node', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgeml-loader-'));
    const compiled = await compileGraph(opCoverageGraph());
    await writeFile(join(dir, 'model.wasm'), compiled.wasm);
    await writeFile(join(dir, 'model.js'), compiled.js);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads from bytes and from a Module without touching Response or fetch, and all sources agree', () => {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      env: { ...process.env, NODE_OPTIONS: '', DIR: dir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout) as {
      touchedBeforeResponse: string[];
      sameModule: boolean;
      sameResponse: boolean;
      length: number;
    };
    expect(result.touchedBeforeResponse).toEqual([]);
    expect(result.sameModule).toBe(true);
    expect(result.sameResponse).toBe(true);
    expect(result.length).toBeGreaterThan(0);
  });
});
