// The search's front, its choice rule and its option parsers, on fixed points (no training).
import { ConfigError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { choosePoint, dominates, type FrontPoint, searchFront } from './front.js';
import { parseDuration, parsePruneChoice } from './options.js';
import { recipeId, recipeSpace, TEACHER_RECIPE } from './recipe.js';

const pt = (
  id: string,
  accuracy: number,
  speedup: number,
  bytes: number,
  low = speedup,
  high = speedup,
): FrontPoint => ({
  id,
  accuracy,
  dropPoints: (0.9 - accuracy) * 100,
  speedup,
  low,
  high,
  bytes,
});

const POINTS = [
  pt('teacher', 0.9, 1, 6_500_000),
  pt('lenet5', 0.895, 4.5, 250_000, 4.0, 5.0),
  pt('lenet5-s25', 0.896, 4.7, 200_000, 4.2, 5.2),
  pt('lenet5-int8', 0.895, 3.0, 60_000),
  // Beyond a 1-point budget, and the fastest of all.
  pt('tiny-s50', 0.85, 9, 30_000),
  // Dominated by lenet5-s25 on everything.
  pt('lenet5-m50', 0.89, 4.4, 250_000),
];

describe('search front', () => {
  it('keeps exactly the non-dominated points', () => {
    for (const minimize of ['both', 'latency', 'size'] as const) {
      const front = searchFront(POINTS, minimize);
      for (const id of front) {
        const p = POINTS.find((x) => x.id === id) as FrontPoint;
        expect(POINTS.some((q) => dominates(q, p, minimize))).toBe(false);
      }
      for (const p of POINTS.filter((x) => !front.includes(x.id)))
        expect(POINTS.some((q) => dominates(q, p, minimize))).toBe(true);
    }
    expect(searchFront(POINTS, 'both')).not.toContain('lenet5-m50');
    expect(searchFront(POINTS, 'latency')).toEqual(['tiny-s50', 'lenet5-s25', 'teacher']);
  });

  it('never chooses a point beyond the accuracy budget, however fast', () => {
    expect(choosePoint(POINTS, 'latency', 1)).toBe('lenet5-s25');
    expect(choosePoint(POINTS, 'latency', 10)).toBe('tiny-s50');
    expect(choosePoint(POINTS, 'size', 1)).toBe('lenet5-int8');
    // both: the fastest is lenet5-s25 [4.2, 5.2]; int8 (3.0) is measurably slower, so s25 stays; a point whose
    // interval reaches 4.2 and whose file is smaller wins the tie.
    expect(choosePoint(POINTS, 'both', 1)).toBe('lenet5-s25');
    const tied = [...POINTS, pt('lenet5-s30', 0.895, 4.6, 150_000, 4.1, 5.1)];
    expect(choosePoint(tied, 'both', 1)).toBe('lenet5-s30');
    // Only the teacher within a zero budget.
    expect(choosePoint(POINTS, 'both', 0)).toBe('teacher');
  });

  it('parses budgets and pruning choices, refusing the rest with a ConfigError', () => {
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90s')).toBe(90);
    for (const bad of ['30', 'soon', '-5m', '0s', '1d'])
      expect(() => parseDuration(bad)).toThrow(ConfigError);
    expect(parsePruneChoice('none')).toBeNull();
    expect(parsePruneChoice('structured:0.25')).toEqual({ method: 'structured', sparsity: 0.25 });
    for (const bad of ['structured', 'magnitude:1', 'channel:0.5', 'structured:-0.1'])
      expect(() => parsePruneChoice(bad)).toThrow(ConfigError);
  });

  it('spans the recipe space with the teacher first and no duplicates', () => {
    const space = recipeSpace(
      ['none', 'lenet5'],
      [null, { method: 'structured', sparsity: 0.25 }],
      [null, 'ptq'],
    );
    expect(space[0]).toEqual(TEACHER_RECIPE);
    expect(space).toHaveLength(8);
    expect(new Set(space.map(recipeId)).size).toBe(8);
  });
});
