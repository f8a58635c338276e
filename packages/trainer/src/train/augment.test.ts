import { SeededRandom } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import {
  adjustColors,
  augmentBatch,
  blackPixel,
  colorJitter,
  cutout,
  horizontalFlip,
  randomCrop,
  randomResizedCrop,
  sampleResizedCropBox,
  shiftImage,
} from './augment.js';
import { hashTrainConfig } from './checkpoint.js';
import { type AugmentConfig, DEFAULT_TRAIN_CONFIG } from './config.js';
import { validateTrainConfig } from './validate.js';

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

describe('random crop as torchvision RandomCrop(size, padding)', () => {
  // A hand-made 3x3 one-channel image.
  const image = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('shifts exactly: out[y][x] = in[y + dy][x + dx], the fill outside', () => {
    const out = new Float32Array(9);
    shiftImage(image, out, 0, 3, 3, 1, 1, -1, [-7]);
    expect(Array.from(out)).toEqual([-7, 4, 5, -7, 7, 8, -7, -7, -7]);
    shiftImage(image, out, 0, 3, 3, 1, -1, 2, [0]);
    expect(Array.from(out)).toEqual([0, 0, 0, 3, 0, 0, 6, 0, 0]);
  });

  it('equals padding with the fill, then cropping at a uniform top/left (torchvision)', () => {
    const p = 2;
    for (let seed = 0; seed < 30; seed++) {
      const out = randomCrop(image, [1, 3, 3, 1], p, new SeededRandom(seed), [-1]);
      const twin = new SeededRandom(seed);
      const top = twin.int(2 * p + 1);
      const left = twin.int(2 * p + 1);
      const padded = Array.from({ length: 7 }, (_, y) =>
        Array.from({ length: 7 }, (_, x) =>
          y >= p && y < p + 3 && x >= p && x < p + 3 ? image[(y - p) * 3 + x - p]! : -1,
        ),
      );
      const expected = [0, 1, 2].flatMap((y) => [0, 1, 2].map((x) => padded[top + y]![left + x]!));
      expect(Array.from(out)).toEqual(expected);
    }
  });

  it('pads with black (pixel 0 before normalisation) in augmentBatch', () => {
    const normalization = { mean: [0.5, 0.25], std: [0.25, 0.5] };
    expect(blackPixel(normalization)).toEqual([-2, -0.5]);
    const config: AugmentConfig = { ...DEFAULT_TRAIN_CONFIG.augment, randomCropPadding: 1 };
    let padded = 0;
    for (let seed = 0; seed < 10; seed++) {
      const out = augmentBatch(batch(), shape, config, new SeededRandom(seed), normalization);
      expect(out).toEqual(randomCrop(batch(), shape, 1, new SeededRandom(seed), [-2, -0.5]));
      for (let i = 0; i < out.length; i += 2) {
        if (out[i] === -2) {
          expect(out[i + 1]).toBe(-0.5);
          padded++;
        }
      }
    }
    expect(padded).toBeGreaterThan(0);
  });
});

describe('horizontal flip on a hand-made image', () => {
  it('mirrors exactly when the draw is below 0.5 and leaves the image otherwise', () => {
    const image = () => Float32Array.from([1, 2, 3, 4, 5, 6]); // 2 rows x 3 columns, one channel
    const seen = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const out = Array.from(horizontalFlip(image(), [1, 2, 3, 1], new SeededRandom(seed)));
      const flips = new SeededRandom(seed).next() < 0.5;
      expect(out).toEqual(flips ? [3, 2, 1, 6, 5, 4] : [1, 2, 3, 4, 5, 6]);
      seen.add(String(flips));
    }
    expect(seen.size).toBe(2);
  });
});

describe('colour jitter as torchvision ColorJitter', () => {
  // Two RGB pixels in [0, 1].
  const pixels = () => Float32Array.from([0.2, 0.4, 0.6, 0.9, 0.1, 0.5]);
  const close = (a: Float32Array, b: readonly number[]) => {
    expect(a.length).toBe(b.length);
    a.forEach((v, i) => {
      expect(v).toBeCloseTo(b[i]!, 6);
    });
  };

  it('matches torchvision 0.14 adjust_brightness / adjust_contrast / adjust_saturation', () => {
    // Expected values printed by torchvision.transforms.functional on the same 1x2 RGB tensor.
    const b = pixels();
    adjustColors(b, 3, [0, 1, 2], [1.5, null, null]);
    close(b, TORCHVISION.brightness15);
    const c = pixels();
    adjustColors(c, 3, [0, 1, 2], [null, 0.5, null]);
    close(c, TORCHVISION.contrast05);
    const s = pixels();
    adjustColors(s, 3, [0, 1, 2], [null, null, 1.7]);
    close(s, TORCHVISION.saturation17);
    const all = pixels();
    adjustColors(all, 3, [2, 0, 1], [1.2, 0.8, 1.5]);
    close(all, TORCHVISION.saturation15Brightness12Contrast08);
  });

  it('leaves a one-channel image unchanged by saturation', () => {
    const gray = Float32Array.from([0.2, 0.7]);
    adjustColors(gray, 1, [2], [null, null, 0.3]);
    expect(Array.from(gray)).toEqual(Array.from(Float32Array.from([0.2, 0.7])));
  });

  it('works on the normalised batch: denormalise, adjust with the seeded draws, normalise', () => {
    const normalization = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] };
    const normalise = (p: Float32Array) =>
      p.map((v, i) => (v - normalization.mean[i % 3]!) / normalization.std[i % 3]!);
    const jitter = { brightness: 0.4, contrast: 0.4, saturation: 0.4 };
    const out = colorJitter(normalise(pixels()), [1, 1, 2, 3], jitter, normalization, new SeededRandom(3));
    // The same draws, in ColorJitter.get_params order: a permutation, then the three factors.
    const twin = new SeededRandom(3);
    const order = [0, 1, 2];
    for (let i = 2; i > 0; i--) {
      const j = twin.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const factor = () => 0.6 + twin.next() * 0.8;
    const factors = [factor(), factor(), factor()] as const;
    const expected = pixels();
    adjustColors(expected, 3, order, factors);
    close(out, Array.from(normalise(expected)));
    expect(Array.from(out)).not.toEqual(Array.from(normalise(pixels())));
  });
});

describe('cutout (DeVries & Taylor 2017)', () => {
  it('zeroes the square [y - s/2, y + s/2) x [x - s/2, x + s/2) around the drawn centre, clipped', () => {
    for (let seed = 0; seed < 20; seed++) {
      const out = cutout(new Float32Array(4 * 5 * 2).fill(1), [1, 4, 5, 2], 3, new SeededRandom(seed));
      const twin = new SeededRandom(seed);
      const cy = twin.int(4);
      const cx = twin.int(5);
      // The paper's numpy code: np.clip(c - L // 2, 0, size), np.clip(c + L // 2, 0, size).
      const inside = (y: number, x: number) =>
        y >= Math.max(0, cy - 1) &&
        y < Math.min(4, cy + 1) &&
        x >= Math.max(0, cx - 1) &&
        x < Math.min(5, cx + 1);
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 5; x++)
          for (let c = 0; c < 2; c++) expect(out[(y * 5 + x) * 2 + c]).toBe(inside(y, x) ? 0 : 1);
    }
  });

  it('gives this exact mask for seed 1 on a 4x4 image, side 2', () => {
    const out = cutout(new Float32Array(16).fill(1), [1, 4, 4, 1], 2, new SeededRandom(1));
    const twin = new SeededRandom(1);
    const [cy, cx] = [twin.int(4), twin.int(4)];
    const expected = new Float32Array(16).fill(1);
    for (let y = Math.max(0, cy - 1); y < Math.min(4, cy + 1); y++)
      for (let x = Math.max(0, cx - 1); x < Math.min(4, cx + 1); x++) expected[y * 4 + x] = 0;
    expect(out).toEqual(expected);
    expect(Array.from(out)).toEqual(CUTOUT_SEED1);
  });
});

describe('augmentation with every key', () => {
  const config: AugmentConfig = {
    ...DEFAULT_TRAIN_CONFIG.augment,
    randomCropPadding: 1,
    horizontalFlip: true,
    colorJitter: { brightness: 0.3, contrast: 0.3, saturation: 0.3 },
    cutout: 2,
  };
  const normalization = { mean: [0.4, 0.5], std: [0.3, 0.2] };
  const small = () => batch().map((v) => (v % 7) / 7);

  it('gives the same batches for the same seed and other batches for another seed', () => {
    const run = (seed: number) => {
      const rng = new SeededRandom(seed);
      return [0, 1, 2].map(() => augmentBatch(small(), shape, config, rng, normalization));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('validates the new keys and keeps the hash of configs that do not use them', () => {
    const plain = validateTrainConfig({ augment: { randomCropPadding: 4, horizontalFlip: true } });
    expect(plain.augment).toEqual({ randomCropPadding: 4, horizontalFlip: true, randomResizedCrop: null });
    const off = validateTrainConfig({
      augment: { randomCropPadding: 4, horizontalFlip: true, cutout: 0, colorJitter: { brightness: 0 } },
    });
    expect(hashTrainConfig(off)).toBe(hashTrainConfig(plain));
    const on = validateTrainConfig({
      augment: { cutout: 16, colorJitter: { brightness: 0.2, saturation: 0.1 } },
    });
    expect(on.augment.cutout).toBe(16);
    expect(on.augment.colorJitter).toEqual({ brightness: 0.2, contrast: 0, saturation: 0.1 });
    expect(() => validateTrainConfig({ augment: { cutout: -1 } })).toThrow(/augment.cutout/);
    expect(() => validateTrainConfig({ augment: { colorJitter: { hue: 0.1 } } })).toThrow(
      /augment.colorJitter.hue/,
    );
  });
});

/**
 * torchvision 0.14.1 (Debian python3-torchvision, torch 1.13) on the tensor
 * [[0.2, 0.4, 0.6], [0.9, 0.1, 0.5]] (1x2 RGB): F.adjust_brightness(img, 1.5),
 * F.adjust_contrast(img, 0.5), F.adjust_saturation(img, 1.7), and saturation 1.5 then brightness
 * 1.2 then contrast 0.8, printed as HWC.
 */
const TORCHVISION = {
  brightness15: [0.3, 0.6, 0.9, 1.0, 0.15, 0.75],
  contrast05: [0.2869225, 0.3869225, 0.4869225, 0.6369225, 0.2369225, 0.4369225],
  saturation17: [0.085914, 0.425914, 0.7659141, 1.0, 0.0, 0.580703],
  saturation15Brightness12Contrast08: [0.194848, 0.482848, 0.770848, 0.8810784, 0.0810784, 0.6164175],
} as const;

/**
 * cutout(ones 4x4, side 2, SeededRandom(1)): the centre drawn is (y 2, x 0), so rows [1, 3) and
 * columns [-1, 1) clipped to [0, 1): a 2x1 hole at the left border.
 */
// biome-ignore format: a 4x4 image
const CUTOUT_SEED1 = [
  1, 1, 1, 1,
  0, 1, 1, 1,
  0, 1, 1, 1,
  1, 1, 1, 1,
];
