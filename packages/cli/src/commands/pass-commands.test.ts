import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

const run = runCli;

describe('prune and distill commands reject bad configs before loading anything', () => {
  it('prune --sparsity 1', async () => {
    const { code, stderr } = await run(['prune', '--model', 'nowhere', '--sparsity', '1']);
    expect(code).toBe(2);
    expect(stderr).toContain(`'sparsity' must be in [0, 1), got 1`);
  });

  it('distill --temperature 0', async () => {
    const { code, stderr } = await run(['distill', '--teacher', 'nowhere', '--temperature', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain(`'temperature' must be > 0, got 0`);
  });
});
