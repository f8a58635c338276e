import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { SeededRandom } from '../random.js';
import { fitGeometry, fitImage } from './fit.js';
import type { RawImage } from './raw-image.js';
import { resizeImage } from './resize.js';

function noise(width: number, height: number, channels: 1 | 3, seed: number): RawImage {
  const rng = new SeededRandom(seed);
  const data = new Uint8Array(width * height * channels).map(() => Math.floor(rng.next() * 256));
  return { width, height, channels, data };
}

/** The reference: resize the whole image, then cut the window out of it. */
function resizeThenCrop(image: RawImage, width: number, height: number): RawImage {
  const g = fitGeometry(image.width, image.height, width, height, 'center-crop');
  const full = resizeImage(image, g.scaledWidth, g.scaledHeight);
  const c = image.channels;
  const data = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const from = ((g.top + y) * g.scaledWidth + g.left) * c;
    data.set(full.data.subarray(from, from + width * c), y * width * c);
  }
  return { width, height, channels: c, data };
}

describe('fitGeometry', () => {
  it('scales the shorter side to the target with a floored longer side, as torchvision Resize(s)', () => {
    // torchvision: Resize(224) of 640x480 is 298x224 (int(224 * 640 / 480)); CenterCrop(224) left 37.
    expect(fitGeometry(640, 480, 224, 224, 'center-crop')).toEqual({
      scaledWidth: 298,
      scaledHeight: 224,
      left: 37,
      top: 0,
    });
    expect(fitGeometry(480, 640, 224, 224, 'center-crop')).toEqual({
      scaledWidth: 224,
      scaledHeight: 298,
      left: 0,
      top: 37,
    });
    // A non-square input: the smallest aspect-keeping size that covers 4x2 (w x h).
    expect(fitGeometry(3, 3, 4, 2, 'center-crop')).toEqual({
      scaledWidth: 4,
      scaledHeight: 4,
      left: 0,
      top: 1,
    });
  });

  it('floors the crop offset: an odd surplus leaves the extra pixel right or below', () => {
    expect(fitGeometry(5, 2, 2, 2, 'center-crop')).toMatchObject({ scaledWidth: 5, left: 1 });
    expect(fitGeometry(2, 7, 2, 2, 'center-crop')).toMatchObject({ scaledHeight: 7, top: 2 });
  });

  it('is the plain resize for stretch and for images of the target aspect ratio', () => {
    expect(fitGeometry(640, 480, 32, 32)).toEqual({ scaledWidth: 32, scaledHeight: 32, left: 0, top: 0 });
    expect(fitGeometry(64, 32, 16, 8, 'center-crop')).toEqual({
      scaledWidth: 16,
      scaledHeight: 8,
      left: 0,
      top: 0,
    });
  });

  it('rejects unknown fits and non-positive sizes with ConfigError naming the allowed values', () => {
    expect(() => fitGeometry(4, 4, 2, 2, 'cover' as 'stretch')).toThrow(ConfigError);
    expect(() => fitGeometry(4, 4, 2, 2, 'cover' as 'stretch')).toThrow(
      /'stretch' or 'center-crop', got "cover"/,
    );
    expect(() => fitGeometry(4, 0, 2, 2, 'center-crop')).toThrow(/'image height' must be a positive integer/);
  });
});

describe('fitImage', () => {
  it('center-crop takes the middle of a landscape image that needs no resize', () => {
    const image: RawImage = {
      width: 4,
      height: 2,
      channels: 1,
      data: Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70]),
    };
    expect(Array.from(fitImage(image, 2, 2, 'center-crop').data)).toEqual([10, 20, 50, 60]);
    expect(Array.from(fitImage(image, 2, 2).data)).toEqual(Array.from(resizeImage(image, 2, 2).data));
  });

  it('center-crop is bit-identical to resizing fully and then cropping, up and down, gray and RGB', () => {
    const cases: [number, number, 1 | 3, number, number][] = [
      [37, 23, 3, 16, 16],
      [23, 37, 1, 16, 16],
      [640, 480, 3, 224, 224],
      [7, 5, 3, 32, 32],
      [50, 20, 1, 12, 8],
      [9, 9, 3, 4, 6],
    ];
    for (const [i, [w, h, c, ow, oh]] of cases.entries()) {
      const image = noise(w, h, c, i + 1);
      const fitted = fitImage(image, ow, oh, 'center-crop');
      expect([fitted.width, fitted.height, fitted.channels]).toEqual([ow, oh, c]);
      expect(fitted.data).toEqual(resizeThenCrop(image, ow, oh).data);
    }
  });
});
