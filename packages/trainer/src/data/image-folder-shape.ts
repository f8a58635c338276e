/**
 * The input shape of an image folder, decided from the headers of all its images (not from the
 * first one, which may be the odd one out):
 * - channels: the `channels` option when given; otherwise 3 (RGB) when any image is colour (PNG
 *   RGB, RGBA or palette, colour JPEG; by the header's colour type, not by the pixels), else 1.
 * - size: the `imageSize` option when given; otherwise the most common width x height among the
 *   images (upright, after EXIF orientation); a tie goes to the larger (area, then height, then
 *   width). Every image is converted to these channels and fitted to this size.
 * - with `fixedSize`, every image must already have that size: the first that does not is a
 *   DataFormatError naming it, its size and a file of the expected size.
 */
import {
  ConfigError,
  DataFormatError,
  type ImageChannels,
  type ImageHeader,
  type ResizeFit,
} from '@edgeml/core';
import type { InputShape } from './dataset.js';

/** Largest image side an image folder is resized to. */
export const MAX_IMAGE_SIDE = 4096;

/** An image file and what its header says. */
export interface ProbedImage {
  readonly file: string;
  readonly header: ImageHeader;
}

/** The options that decide the shape. */
export interface ImageShapeOptions {
  /** A square side or [height, width]. */
  readonly imageSize?: number | readonly [height: number, width: number] | undefined;
  readonly channels?: ImageChannels | undefined;
  readonly fixedSize?: boolean | undefined;
  readonly fit?: ResizeFit | undefined;
}

/** The shape every image is brought to, and the policy in words. */
export interface ResolvedImageShape {
  readonly shape: InputShape;
  /** One sentence: the size, the channels and the fit, each with its reason. */
  readonly policy: string;
}

/** Resolves the shape of `images` (at least one) under `options` (see the file comment). */
export function resolveImageShape(
  images: readonly ProbedImage[],
  options: ImageShapeOptions,
): ResolvedImageShape {
  const channels = resolveChannels(images, options.channels);
  const size = resolveSize(images, options);
  const fit = options.fit ?? 'stretch';
  const colour = channels.value === 3 ? 'RGB' : 'grayscale';
  return {
    shape: [size.height, size.width, channels.value],
    policy: `Images: ${size.width}x${size.height} (${size.reason}), ${colour} (${channels.reason}), fit '${fit}'.`,
  };
}

function resolveChannels(
  images: readonly ProbedImage[],
  channels: ImageChannels | undefined,
): { value: ImageChannels; reason: string } {
  if (channels !== undefined) {
    if (channels !== 1 && channels !== 3)
      throw new ConfigError(`'channels' must be 1 or 3, got ${String(channels)}`);
    return { value: channels, reason: "the 'channels' option" };
  }
  const colour = images.filter((image) => image.header.channels === 3).length;
  return colour > 0
    ? { value: 3, reason: `${colour} of ${images.length} images are colour` }
    : { value: 1, reason: `all ${images.length} images are grayscale` };
}

interface Size {
  readonly width: number;
  readonly height: number;
  readonly reason: string;
}

function resolveSize(images: readonly ProbedImage[], options: ImageShapeOptions): Size {
  const common = mostCommonSize(images);
  let size: Size;
  if (options.imageSize !== undefined) {
    const given = options.imageSize;
    const [height, width] = typeof given === 'number' ? [given, given] : given;
    for (const v of [height, width]) {
      if (!Number.isInteger(v) || v < 1 || v > MAX_IMAGE_SIDE)
        throw new ConfigError(`'imageSize' must be an integer in [1, ${MAX_IMAGE_SIDE}], got ${v}`);
    }
    size = { width, height, reason: "the 'imageSize' option" };
  } else {
    if (common.width > MAX_IMAGE_SIDE || common.height > MAX_IMAGE_SIDE) {
      throw new ConfigError(
        `the images' most common size ${common.width}x${common.height} exceeds ${MAX_IMAGE_SIDE} pixels a side; pass 'imageSize' (--image-size)`,
      );
    }
    size = { ...common };
  }
  if (options.fixedSize) checkFixedSize(images, size, options.imageSize !== undefined);
  return size;
}

/** The most common upright size; ties go to the larger area, then height, then width. */
function mostCommonSize(images: readonly ProbedImage[]): Size & { readonly file: string } {
  const counts = new Map<string, { width: number; height: number; count: number; file: string }>();
  for (const { file, header } of images) {
    const key = `${header.width}x${header.height}`;
    const seen = counts.get(key);
    if (seen) seen.count++;
    else counts.set(key, { width: header.width, height: header.height, count: 1, file });
  }
  const [best] = [...counts.values()].sort(
    (a, b) =>
      b.count - a.count ||
      b.width * b.height - a.width * a.height ||
      b.height - a.height ||
      b.width - a.width,
  );
  if (best === undefined) throw new ConfigError('resolveImageShape needs at least one image');
  const reason =
    counts.size === 1
      ? `all ${images.length} images have this size`
      : `the most common size, ${best.count} of ${images.length} images`;
  return { width: best.width, height: best.height, reason, file: best.file };
}

function checkFixedSize(images: readonly ProbedImage[], size: Size, explicit: boolean): void {
  const reference = images.find((i) => i.header.width === size.width && i.header.height === size.height);
  const expected = reference
    ? `${reference.file} is ${size.width}x${size.height}`
    : `'imageSize' is ${size.width}x${size.height}`;
  for (const { file, header } of images) {
    if (header.width === size.width && header.height === size.height) continue;
    throw new DataFormatError(
      file,
      `is ${header.width}x${header.height} but ${expected} (fixed size: all images must match${explicit ? '' : ' the most common size'})`,
      { width: header.width, height: header.height, expectedWidth: size.width, expectedHeight: size.height },
    );
  }
}
