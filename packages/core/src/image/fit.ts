/**
 * fitImage: how an image is brought to a model's input size, the one geometry every runtime
 * (trainer, Worker, web page, onnxruntime-node) applies, in integers so the bytes are the same.
 *
 * - `stretch`: resizeImage to width x height; the aspect ratio is not kept.
 * - `center-crop` (torchvision `Resize(s)` + `CenterCrop(s)` for a square input; Keras
 *   `CenterCrop` offsets): resize, keeping the aspect ratio, to the smallest size that covers
 *   width x height, then take the centre width x height window. In integers, for an image of
 *   inW x inH:
 *   - if inW * height >= inH * width (as wide as the input or wider): scaledHeight = height,
 *     scaledWidth = floor(inW * height / inH); otherwise scaledWidth = width,
 *     scaledHeight = floor(inH * width / inW). The floor is torchvision's `int(s * long / short)`.
 *   - left = floor((scaledWidth - width) / 2), top = floor((scaledHeight - height) / 2): an odd
 *     surplus leaves the extra pixel on the right or at the bottom. (torchvision's CenterCrop
 *     rounds half to even, so for some odd surpluses its window sits one pixel further.)
 *   The window is computed by resizeRegion, bit-identical to resizing fully and cropping.
 *   An image of the input's aspect ratio gives exactly what `stretch` gives.
 */
import { ConfigError, formatAllowed } from '../errors.js';
import { RESIZE_FITS, type ResizeFit } from '../manifest/types.js';
import type { RawImage } from './raw-image.js';
import { resizeRegion } from './resize.js';

/** Where a fit takes its pixels: the image resized to scaledWidth x scaledHeight, then the window at (left, top). */
export interface FitGeometry {
  readonly scaledWidth: number;
  readonly scaledHeight: number;
  readonly left: number;
  readonly top: number;
}

/** The intermediate size and crop offset `fit` uses for an inW x inH image and a width x height input. */
export function fitGeometry(
  inW: number,
  inH: number,
  width: number,
  height: number,
  fit: ResizeFit = 'stretch',
): FitGeometry {
  for (const [name, value] of [
    ['image width', inW],
    ['image height', inH],
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigError(`fit '${name}' must be a positive integer, got ${value}`);
    }
  }
  if (!RESIZE_FITS.includes(fit)) {
    throw new ConfigError(`resize fit must be ${formatAllowed(RESIZE_FITS)}, got ${JSON.stringify(fit)}`, {
      allowed: RESIZE_FITS,
      value: fit,
    });
  }
  if (fit === 'stretch') return { scaledWidth: width, scaledHeight: height, left: 0, top: 0 };
  const wider = inW * height >= inH * width;
  const scaledWidth = wider ? Math.floor((inW * height) / inH) : width;
  const scaledHeight = wider ? height : Math.floor((inH * width) / inW);
  return {
    scaledWidth,
    scaledHeight,
    left: Math.floor((scaledWidth - width) / 2),
    top: Math.floor((scaledHeight - height) / 2),
  };
}

/** The image brought to width x height by `fit` (see the file comment); a new image. */
export function fitImage(
  image: RawImage,
  width: number,
  height: number,
  fit: ResizeFit = 'stretch',
): RawImage {
  const g = fitGeometry(image.width, image.height, width, height, fit);
  return resizeRegion(image, g.scaledWidth, g.scaledHeight, { left: g.left, top: g.top, width, height });
}
