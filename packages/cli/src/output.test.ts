import { describe, expect, it } from 'vitest';
import { formatTable } from './output.js';
import { formatDuration } from './progress.js';

describe('formatTable', () => {
  it('aligns text left and numbers right under a rule', () => {
    const table = formatTable(
      ['class', 'count'],
      [
        ['Trouser', 7],
        ['Bag', 1000],
      ],
    );
    expect(table).toBe(['class    count', '-------  -----', 'Trouser      7', 'Bag       1000'].join('\n'));
  });
});

describe('formatDuration', () => {
  it('formats seconds, minutes and hours', () => {
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h 02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
