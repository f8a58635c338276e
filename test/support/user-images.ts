/**
 * Images as users send them to a colour model: colour JPEGs (one with an EXIF orientation, as
 * phones write them), RGB, RGBA and grayscale PNGs, none of them the model's 32x32 and most of
 * another aspect ratio, so decode, EXIF, channel conversion and the centre crop all matter. Seeded
 * noise makes every pixel count. Three are flat colour in the window the centre crop keeps (a
 * different colour outside it), so the tensor they give can be worked out by hand.
 */
import { encodePng, type RawImage, SeededRandom } from '@edgeml/core';
// The trainer's test-only image writers (PNG of any colour type, JPEG, EXIF segment), imported
// rather than copied.
import {
  jpegOf,
  pngOfType,
  withExifOrientation,
} from '../../packages/trainer/src/data/testing/image-files.js';

/** One image as sent: its bytes, MIME type and a file name that says what it is. */
export interface UserImage {
  readonly name: string;
  readonly type: 'image/png' | 'image/jpeg';
  readonly bytes: Uint8Array;
  /**
   * Flat-colour images only: the RGB value every pixel of the centre-crop window has (so every
   * value of the model's input), before normalisation.
   */
  readonly cropColour?: readonly [number, number, number];
  /** PNGs only: the samples encoded (1, 3 or 4 per pixel), exactly what a decoder must give back. */
  readonly source?: {
    readonly width: number;
    readonly height: number;
    readonly channels: 1 | 3 | 4;
    readonly data: Uint8Array;
  };
}

/** A width x height image of `channels` samples: smooth gradients per channel plus seeded noise. */
function texture(width: number, height: number, channels: number, random: SeededRandom): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        const ramp = c % 2 === 0 ? (x * 255) / width : (y * 255) / height;
        const noise = (random.next() - 0.5) * 120;
        data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(ramp + noise)));
      }
  return data;
}

/**
 * A width x height image of `channels` samples, `inside` within columns [x0, x1) and rows [y0, y1)
 * and `outside` elsewhere (each an array of `channels` values).
 */
function banded(
  width: number,
  height: number,
  window: { x0: number; x1: number; y0: number; y1: number },
  inside: readonly number[],
  outside: readonly number[],
): Uint8Array {
  const channels = inside.length;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const within = x >= window.x0 && x < window.x1 && y >= window.y0 && y < window.y1;
      data.set(within ? inside : outside, (y * width + x) * channels);
    }
  return data;
}

const rgb = (width: number, height: number, data: Uint8Array): RawImage => ({
  width,
  height,
  channels: 3,
  data,
});

/**
 * The images, seeded. For the 32x32 input, center-crop scales a 50x30 image to 53x32 and keeps
 * columns 10..41, which read source columns 9..39 at most (a 30x50 image likewise, in rows); a
 * 17x64 image to 32x120, keeping rows 44..75, which read source rows 23..40 at most (core's
 * fitGeometry, bilinear with half-pixel centres). The flat-colour images are flat over a window
 * that covers those, and another colour outside it, so a stretch would mix that colour in.
 */
export function userImages(seed = 3): readonly UserImage[] {
  const random = new SeededRandom(seed);
  const photo = (w: number, h: number) => rgb(w, h, texture(w, h, 3, random));
  const png = (
    name: string,
    width: number,
    height: number,
    channels: 1 | 3 | 4,
    data: Uint8Array,
    cropColour?: readonly [number, number, number],
  ): UserImage => ({
    name,
    type: 'image/png',
    bytes:
      channels === 3
        ? encodePng(rgb(width, height, data))
        : pngOfType(width, height, channels === 1 ? 0 : 6, data),
    source: { width, height, channels, data },
    ...(cropColour && { cropColour }),
  });
  return [
    { name: 'photo-50x30.jpg', type: 'image/jpeg', bytes: jpegOf(photo(50, 30)) },
    { name: 'photo-17x64.jpg', type: 'image/jpeg', bytes: jpegOf(photo(17, 64)) },
    { name: 'photo-200x150.jpg', type: 'image/jpeg', bytes: jpegOf(photo(200, 150)) },
    // Stored 44x26 (landscape); orientation 6 (rotate 90° clockwise) makes it 26x44 upright.
    {
      name: 'phone-exif6-44x26.jpg',
      type: 'image/jpeg',
      bytes: withExifOrientation(jpegOf(photo(44, 26)), 6),
    },
    png('rgb-50x30.png', 50, 30, 3, texture(50, 30, 3, random)),
    png('rgba-17x64.png', 17, 64, 4, texture(17, 64, 4, random)),
    png('gray-64x48.png', 64, 48, 1, texture(64, 48, 1, random)),
    png(
      'flat-rgb-50x30.png',
      50,
      30,
      3,
      banded(50, 30, { x0: 8, x1: 42, y0: 0, y1: 30 }, [200, 40, 90], [10, 250, 30]),
      [200, 40, 90],
    ),
    // A half-transparent window: alpha is dropped, not composited (core's decodeImage).
    png(
      'flat-rgba-17x64.png',
      17,
      64,
      4,
      banded(17, 64, { x0: 0, x1: 17, y0: 20, y1: 45 }, [30, 160, 220, 128], [240, 240, 0, 255]),
      [30, 160, 220],
    ),
    png(
      'flat-gray-30x50.png',
      30,
      50,
      1,
      banded(30, 50, { x0: 0, x1: 30, y0: 8, y1: 42 }, [77], [250]),
      [77, 77, 77],
    ),
  ];
}
