import { describe, expect, it } from 'vitest';
import { defaultWasmThreads } from './setup.js';

describe('defaultWasmThreads', () => {
  it('uses the cores of an idle machine, at most 8', () => {
    expect(defaultWasmThreads(2, 0.2)).toEqual({ threads: 2 });
    expect(defaultWasmThreads(16, 3)).toEqual({ threads: 8 });
  });
  it('falls back to one thread when other processes keep the cores busy', () => {
    const busy = defaultWasmThreads(2, 4.8);
    expect(busy.threads).toBe(1);
    expect(busy.note).toContain('load average 4.8 on 2 cores');
    expect(defaultWasmThreads(1, 0)).toEqual({ threads: 1 });
  });
});
