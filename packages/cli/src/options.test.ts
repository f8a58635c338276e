import { ConfigError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { choiceOption, intOption, numberOption, stringOption } from './options.js';

describe('option readers', () => {
  it('reads valid values and defaults', () => {
    expect(intOption({ epochs: '12' }, 'epochs', { min: 1 })).toBe(12);
    expect(intOption({}, 'epochs', { min: 1, fallback: 3 })).toBe(3);
    expect(numberOption({ lr: '0.001' }, 'lr', { min: 0 })).toBe(0.001);
    expect(choiceOption({ split: 'test' }, 'split', ['train', 'test'])).toBe('test');
    expect(stringOption({}, 'out', 'a.png')).toBe('a.png');
  });

  it('rejects bad values with a ConfigError naming the option and the allowed range', () => {
    expect(() => intOption({ epochs: '-3' }, 'epochs', { min: 1 })).toThrow(
      /--epochs must be an integer >= 1, got '-3'/,
    );
    expect(() => intOption({ epochs: '2.5' }, 'epochs', { min: 1 })).toThrow(ConfigError);
    expect(() => intOption({ count: '2000' }, 'count', { min: 1, max: 1024 })).toThrow(/in \[1, 1024\]/);
    expect(() => numberOption({ lr: 'fast' }, 'lr', { min: 0 })).toThrow(/--lr must be a number/);
    expect(() => choiceOption({ split: 'dev' }, 'split', ['train', 'validation', 'test'])).toThrow(
      "--split must be 'train', 'validation' or 'test', got 'dev'",
    );
    expect(() => stringOption({}, 'model')).toThrow('--model is required');
  });
});
