/**
 * The one in-memory image type of edgeml's image code: 8-bit, interleaved (HWC), no padding.
 * Web-standard only, so the same code runs in Node, browsers and Cloudflare Workers.
 */

/** Channels an edgeml image can have: 1 (grayscale) or 3 (RGB). Alpha is never kept. */
export type ImageChannels = 1 | 3;

/** An 8-bit image, pixels interleaved row by row: data[(y * width + x) * channels + c]. */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: ImageChannels;
  /** width * height * channels bytes. */
  readonly data: Uint8Array;
}
