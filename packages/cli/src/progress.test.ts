import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Output } from './output.js';
import { createProgressDisplay } from './progress.js';

function logOutput(lines: string[]): Output {
  return {
    json: false,
    interactive: false,
    print: () => {},
    printJson: () => {},
    note: (line) => lines.push(line),
    progressStream: new PassThrough(),
  };
}

describe('createProgressDisplay (log mode)', () => {
  it('logs throttled lines with an ETA, and starts over when a new epoch restarts the batch count', () => {
    const lines: string[] = [];
    let now = 0;
    const display = createProgressDisplay(logOutput(lines), { logIntervalMs: 1000, clock: () => now });
    // Epoch 1: batch 1 is reported when done, then one batch per second.
    for (let b = 1; b <= 10; b++) {
      display.onProgress({ phase: 'batch', current: b, total: 10, metrics: { loss: 1 / b } });
      now += 1000;
    }
    // Epoch 2 restarts at batch 1: elapsed and ETA must not carry over from epoch 1.
    display.onProgress({ phase: 'batch', current: 1, total: 10 });
    now += 2000;
    display.onProgress({ phase: 'batch', current: 2, total: 10 });
    expect(lines[0]).toBe('[batch] 1/10 elapsed 0s ETA ? loss 1.000');
    expect(lines[1]).toMatch(/^\[batch\] 2\/10 elapsed 1s ETA 8s loss 0\.5000$/);
    expect(lines.some((l) => l.startsWith('[batch] 10/10'))).toBe(true);
    expect(lines.at(-1)).toBe('[batch] 2/10 elapsed 2s ETA 16s');
  });
});
