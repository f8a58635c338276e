import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseJsonConfig, readJsonConfig } from './json-config.js';

describe('parseJsonConfig', () => {
  it('accepts a UTF-8 byte-order mark', () => {
    expect(parseJsonConfig('\uFEFF{"epochs": 2}', 'c.json')).toEqual({ epochs: 2 });
  });

  it('names a number that parses to Infinity by its path instead of calling it null', () => {
    let error: unknown;
    try {
      parseJsonConfig('{"prune": {"sparsity": 1e400}}', 'c.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      "c.json: '$.prune.sparsity' is a number too large for a double (JSON.parse reads it as Infinity); use a finite number",
    );
    expect(() => parseJsonConfig('{"a": [1, -1e999]}', 'c.json')).toThrow(/'\$\.a\[1\]' .* -Infinity/);
  });

  it('refuses keys that would reach Object.prototype, at any depth (a merge could drop them unseen)', () => {
    expect(() => parseJsonConfig('{"__proto__": {"out": "x"}}', 'c.json')).toThrow(
      "c.json: '$.__proto__' is not a config key (a key named __proto__, constructor or prototype is never one)",
    );
    expect(() => parseJsonConfig('{"teacher": {"constructor": 1}}', 'c.json')).toThrow(
      /'\$\.teacher\.constructor' is not a config key/,
    );
    expect(() => parseJsonConfig('{"a": [{"prototype": 1}]}', 'c.json')).toThrow(/'\$\.a\[0\]\.prototype'/);
    expect(parseJsonConfig('{"toString": 1}', 'c.json')).toEqual({ toString: 1 }); // unknown: the validator refuses it
  });

  it('says which file is not JSON', () => {
    expect(() => parseJsonConfig('{epochs: 2}', 'c.json')).toThrow(/^c\.json is not valid JSON: /);
  });
});

describe('readJsonConfig', () => {
  it('reads a file with a BOM written by an editor, and names a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgeml-json-'));
    try {
      const file = join(dir, 'train.json');
      await writeFile(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"lr": 0.1}')]));
      expect(await readJsonConfig(file)).toEqual({ lr: 0.1 });
      await expect(readJsonConfig(join(dir, 'nope.json'))).rejects.toThrow(
        `--config ${join(dir, 'nope.json')}: no such file`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
