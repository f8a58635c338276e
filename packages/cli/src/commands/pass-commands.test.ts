import { describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

/** Runs the CLI in-process and returns the exit code and what went to stderr. */
async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await main(argv), stderr };
  } finally {
    spy.mockRestore();
  }
}

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
