/**
 * A view of a data set at another image size and/or channel count: each image read from the base
 * split is converted (core's integer BT.601 gray / gray-to-RGB) and resized (core's exact integer
 * bilinear resizeImage) on the fly. The normalisation is recomputed over the reshaped train split.
 */
import { ConfigError, convertChannels, type ImageChannels, type RawImage, resizeImage } from '@edgeml/core';
import { streamBatches } from './batching.js';
import type {
  Batch,
  BatchOptions,
  DataSplit,
  Dataset,
  InputShape,
  Normalization,
  SplitName,
} from './dataset.js';
import { pickSplit } from './in-memory-dataset.js';
import { PixelHistogram } from './normalization.js';

/** Target shape of reshapeDataset; missing fields keep the base data set's value. */
export interface ReshapeOptions {
  /** A square side or [height, width]. */
  readonly imageSize?: number | readonly [height: number, width: number];
  readonly channels?: ImageChannels;
}

class ReshapedSplit implements DataSplit {
  readonly name: SplitName;
  readonly size: number;
  readonly labels: Int32Array;

  constructor(
    private readonly base: DataSplit,
    private readonly from: InputShape,
    readonly shape: InputShape,
    private readonly normalization: Normalization,
  ) {
    this.name = base.name;
    this.size = base.size;
    this.labels = base.labels;
  }

  async readPixels(indices: ArrayLike<number>): Promise<Uint8Array> {
    const source = await this.base.readPixels(indices);
    const [h, w, c] = this.from;
    const [oh, ow, oc] = this.shape;
    const out = new Uint8Array(indices.length * oh * ow * oc);
    for (let i = 0; i < indices.length; i++) {
      let image: RawImage = {
        width: w,
        height: h,
        channels: c as ImageChannels,
        data: source.subarray(i * h * w * c, (i + 1) * h * w * c),
      };
      image = convertChannels(image, oc as ImageChannels);
      if (ow !== w || oh !== h) image = resizeImage(image, ow, oh);
      out.set(image.data, i * oh * ow * oc);
    }
    return out;
  }

  batches(options: BatchOptions): AsyncIterable<Batch> {
    return streamBatches(this, this.shape, this.normalization, options);
  }
}

/** The data set at another size/channels (the same object when nothing changes). */
export async function reshapeDataset(dataset: Dataset, options: ReshapeOptions): Promise<Dataset> {
  const from = dataset.info.inputShape;
  const size = options.imageSize;
  const [h, w] = size === undefined ? [from[0], from[1]] : typeof size === 'number' ? [size, size] : size;
  const c = options.channels ?? from[2];
  for (const v of [h, w]) {
    if (!Number.isInteger(v) || v < 1 || v > 4096)
      throw new ConfigError(`'imageSize' must be an integer in [1, 4096], got ${v}`);
  }
  if (c !== 1 && c !== 3) throw new ConfigError(`'channels' must be 1 or 3, got ${String(c)}`);
  if (h === from[0] && w === from[1] && c === from[2]) return dataset;
  const shape: InputShape = [h, w, c];
  const placeholder: Normalization = { mean: [], std: [] };
  const trainView = new ReshapedSplit(dataset.split('train'), from, shape, placeholder);
  const histogram = new PixelHistogram(c);
  for (let start = 0; start < trainView.size; start += 1024) {
    const indices = Int32Array.from({ length: Math.min(1024, trainView.size - start) }, (_, i) => start + i);
    histogram.add(await trainView.readPixels(indices));
  }
  const normalization = histogram.normalization();
  const splits = {
    train: new ReshapedSplit(dataset.split('train'), from, shape, normalization),
    validation: new ReshapedSplit(dataset.split('validation'), from, shape, normalization),
    test: new ReshapedSplit(dataset.split('test'), from, shape, normalization),
  };
  return {
    info: { ...dataset.info, inputShape: shape, normalization },
    split: (name: SplitName) => pickSplit(splits, name),
  };
}
