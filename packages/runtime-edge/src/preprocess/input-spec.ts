/**
 * What one model file expects as input, resolved from the manifest (shape, preprocessing) and the
 * file's own entry (its layout and dtype may override the manifest's).
 */
import {
  type ModelFileEntry,
  type ModelManifest,
  type ResizeFit,
  type TensorLayout,
  UnsupportedError,
} from '@edgeml/core';

/** The input contract of one model file: size, fit, channels, normalisation and tensor layout. */
export interface InputSpec {
  readonly height: number;
  readonly width: number;
  /** How images of another aspect ratio are fitted (core's fitImage), from `preprocessing.resize.fit`. @default 'stretch' */
  readonly fit?: ResizeFit;
  /** 1 (grayscale, BT.601 luma) or 3 (RGB). */
  readonly channels: 1 | 3;
  /** Tensor layout fed to the model; the batch axis (1) comes first. */
  readonly layout: TensorLayout;
  /** Per channel: x = (pixel * scale - mean[c]) / std[c]. */
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** The full input shape fed to the model, batch 1: [1, H, W, C] or [1, C, H, W]. */
  readonly shape: readonly [number, number, number, number];
}

/** The input contract of `file` within `manifest`; only float32 inputs are supported. */
export function inputSpecFor(manifest: ModelManifest, file: ModelFileEntry): InputSpec {
  const dtype = file.inputDtype ?? manifest.input.dtype;
  if (dtype !== 'float32') {
    throw new UnsupportedError(
      `model file '${file.path}' takes ${dtype} input; runtime-edge classifiers feed float32 (use a float32-input variant)`,
      { file: file.path, dtype },
    );
  }
  const [height, width, channels] = manifest.input.shape;
  const p = manifest.preprocessing;
  const layout = file.inputLayout ?? manifest.input.layout;
  const c = channels === 1 ? 1 : 3;
  return {
    height,
    width,
    fit: p.resize.fit ?? 'stretch',
    channels: c,
    layout,
    scale: p.scale,
    mean: p.mean,
    std: p.std,
    shape: layout === 'NCHW' ? [1, c, height, width] : [1, height, width, c],
  };
}
