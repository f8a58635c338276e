import { SeededRandom } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import {
  augmentBatch,
  horizontalFlip,
  randomCrop,
  randomResizedCrop,
  sampleResizedCropBox,
} from './augment.js';
import { DEFAULT_TRAIN_CONFIG } from './config.js';

// Two 4x4 images with 2 channels whose values encode (image, y, x, channel).
const shape = [2, 4, 4, 2] as const;
const value = (b: number, y: number, x: number, c: number) => 1000 * (b + 1) + 100 * y + 10 * x + c + 1;
const batch = () => {
  const out = new Float32Array(2 * 4 * 4 * 2);
  for (let b = 0; b < 2; b++)
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++)
        for (let c = 0; c < 2; c++) out[((b * 4 + y) * 4 + x) * 2 + c] = value(b, y, x, c);
  return out;
};
const at = (a: Float32Array, b: number, y: number, x: number, c: number) => a[((b * 4 + y) * 4 + x) * 2 + c]!;

describe('randomCrop', () => {
  it('is the identity with padding 0', () => {
    expect(randomCrop(batch(), shape, 0, new SeededRandom(1))).toEqual(batch());
  });

  it('shifts each image by at most the padding and fills with zeros', () => {
    for (let seed = 0; seed < 20; seed++) {
      const out = randomCrop(batch(), shape, 1, new SeededRandom(seed));
      for (let b = 0; b < 2; b++) {
        // Find the shift from a pixel inside the image, then check every pixel against it.
        const centre = at(out, b, 1, 1, 0);
        const dy = Math.floor((centre % 1000) / 100) - 1;
        const dx = Math.floor((centre % 100) / 10) - 1;
        expect(Math.abs(dy)).toBeLessThanOrEqual(1);
        expect(Math.abs(dx)).toBeLessThanOrEqual(1);
        for (let y = 0; y < 4; y++)
          for (let x = 0; x < 4; x++) {
            const sy = y + dy;
            const sx = x + dx;
            const inside = sy >= 0 && sy < 4 && sx >= 0 && sx < 4;
            expect(at(out, b, y, x, 1)).toBe(inside ? value(b, sy, sx, 1) : 0);
          }
      }
    }
  });

  it('is reproducible from the seed', () => {
    expect(randomCrop(batch(), shape, 2, new SeededRandom(7))).toEqual(
      randomCrop(batch(), shape, 2, new SeededRandom(7)),
    );
  });
});

describe('horizontalFlip', () => {
  it('mirrors whole images, about half of them', () => {
    let flipped = 0;
    for (let seed = 0; seed < 50; seed++) {
      const out = horizontalFlip(batch(), shape, new SeededRandom(seed));
      for (let b = 0; b < 2; b++) {
        const isFlipped = at(out, b, 0, 0, 0) === value(b, 0, 3, 0);
        if (isFlipped) flipped++;
        for (let y = 0; y < 4; y++)
          for (let x = 0; x < 4; x++)
            for (let c = 0; c < 2; c++)
              expect(at(out, b, y, x, c)).toBe(value(b, y, isFlipped ? 3 - x : x, c));
      }
    }
    expect(flipped).toBeGreaterThan(30);
    expect(flipped).toBeLessThan(70);
  });
});

describe('randomResizedCrop', () => {
  it('is the identity when the crop must be the whole image', () => {
    expect(randomResizedCrop(batch(), shape, [1, 1], [1, 1], new SeededRandom(3))).toEqual(batch());
  });

  it('samples boxes inside the image with the requested area', () => {
    const rng = new SeededRandom(5);
    for (let i = 0; i < 200; i++) {
      const box = sampleResizedCropBox(32, 32, [0.25, 0.5], [0.75, 1.33], rng);
      expect(box.top + box.height).toBeLessThanOrEqual(32);
      expect(box.left + box.width).toBeLessThanOrEqual(32);
      const area = (box.height * box.width) / 1024;
      expect(area).toBeGreaterThan(0.18);
      expect(area).toBeLessThan(0.6);
    }
  });

  it('resamples bilinearly: a linear ramp stays a ramp', () => {
    // One 1-channel 8x8 image whose value is x: any crop+resize of it is linear in x.
    const img = Float32Array.from({ length: 64 }, (_, i) => i % 8);
    const out = randomResizedCrop(img, [1, 8, 8, 1], [0.3, 0.6], [0.8, 1.25], new SeededRandom(11));
    for (let y = 0; y < 8; y++) {
      const row = Array.from(out.subarray(y * 8, y * 8 + 8));
      const steps = row.slice(1).map((v, i) => v - row[i]!);
      for (const s of steps.slice(1, -1)) expect(s).toBeCloseTo(steps[1]!, 4);
      expect(row[0]).toBeCloseTo(Array.from(out.subarray(0, 8))[0]!, 5);
    }
  });
});

describe('augmentBatch', () => {
  it('does nothing with the defaults and leaves its input untouched when flipping', () => {
    const x = batch();
    expect(augmentBatch(x, shape, DEFAULT_TRAIN_CONFIG.augment, new SeededRandom(0))).toBe(x);
    const flipped = augmentBatch(
      x,
      shape,
      { ...DEFAULT_TRAIN_CONFIG.augment, horizontalFlip: true },
      new SeededRandom(0),
    );
    expect(flipped).not.toBe(x);
    expect(x).toEqual(batch());
  });
});
