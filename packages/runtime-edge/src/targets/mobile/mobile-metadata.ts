/**
 * `metadata.json` of a packaged mobile target: everything an Android or iOS app needs to feed the
 * `.tflite` files and read their answer, as plain JSON: the input tensor (shape, layout, dtype),
 * the preprocessing (resize and its fit, channels, scale, mean, std and the formulas), the output (shape,
 * activation, labels file) and, per model file, its precision, size, hash, I/O tensors and int8
 * quantisation parameters. Web-standard code.
 */
import type { JsonObject, ModelFileEntry, ModelManifest, ResizeFit, TensorLayout } from '@edgeml/core';
import type { TfliteIoTensor, TfliteSignature } from './read-tflite-signature.js';

/** Version tag of the metadata format. */
export const MOBILE_METADATA_SCHEMA = 'edgeml-mobile-metadata/1';

/** One `.tflite` file with what was read from it. */
export interface MobileModelFile {
  readonly entry: ModelFileEntry;
  /** Path inside the output directory. */
  readonly path: string;
  readonly signature: TfliteSignature;
}

/** The layout of an input shape [1, a, b, c] for an image of height x width x channels. */
export function tfliteInputLayout(
  shape: readonly number[],
  manifest: ModelManifest,
  entry: ModelFileEntry,
): TensorLayout {
  const [height, width, channels] = manifest.input.shape;
  if (shape[1] === height && shape[2] === width && shape[3] === channels) return 'NHWC';
  if (shape[1] === channels && shape[2] === height && shape[3] === width) return 'NCHW';
  return entry.inputLayout ?? manifest.input.layout;
}

function tensorJson(tensor: TfliteIoTensor): JsonObject {
  return {
    name: tensor.name,
    shape: [...tensor.shape],
    dtype: tensor.dtype,
    ...(tensor.quantization
      ? {
          quantization: {
            scale: [...tensor.quantization.scale],
            zeroPoint: [...tensor.quantization.zeroPoint],
            quantizedDimension: tensor.quantization.quantizedDimension,
            formula: 'real = scale * (q - zeroPoint)',
          },
        }
      : {}),
  };
}

function modelJson(model: MobileModelFile, manifest: ModelManifest): JsonObject {
  const { signature, entry } = model;
  const input = signature.inputs[0];
  const boundary = signature.int8Boundary;
  const io = input?.dtype === 'float32' ? 'float32' : (input?.dtype ?? 'unknown');
  return {
    file: model.path,
    precision: entry.precision ?? 'float32',
    bytes: entry.bytes,
    sha256: entry.sha256,
    layout: input ? tfliteInputLayout(input.shape, manifest, entry) : manifest.input.layout,
    inputs: signature.inputs.map(tensorJson),
    outputs: signature.outputs.map(tensorJson),
    tensorTypes: [...signature.tensorTypes],
    ...(signature.tensorTypes.includes('int8')
      ? {
          int8: {
            io,
            note:
              io === 'float32'
                ? 'int8 compute with float32 input and output: feed the same float tensor as the float model; QUANTIZE/DEQUANTIZE run inside'
                : 'int8 input: quantize the preprocessed float tensor with q = clamp(round(x / scale) + zeroPoint, -128, 127)',
            ...(boundary?.input ? { quantizedInput: tensorJson(boundary.input) } : {}),
            ...(boundary?.output ? { quantizedOutput: tensorJson(boundary.output) } : {}),
          },
        }
      : {}),
  };
}

/** In words, how an image is brought to the input size under `fit` (core's fitImage). */
function fitRule(fit: ResizeFit, width: number, height: number): string {
  return fit === 'center-crop'
    ? `center-crop: for an image of w x h, if w * ${height} >= h * ${width} resize (bilinear) to floor(w * ${height} / h) x ${height}, else to ${width} x floor(h * ${width} / w); then crop ${width} x ${height} at left = floor((scaledWidth - ${width}) / 2), top = floor((scaledHeight - ${height}) / 2)`
    : `stretch: resize (bilinear) to ${width} x ${height}; the aspect ratio is not kept`;
}

/** The metadata.json object for `models` of `manifest`. */
export function mobileMetadata(
  manifest: ModelManifest,
  manifestSha256: string,
  models: readonly MobileModelFile[],
  labelsFile: string,
): JsonObject {
  const [height, width, channels] = manifest.input.shape;
  const p = manifest.preprocessing;
  const first = models[0]?.signature;
  return {
    schema: MOBILE_METADATA_SCHEMA,
    name: manifest.name,
    ...(manifest.description ? { description: manifest.description } : {}),
    manifestSha256,
    labels: { file: labelsFile, count: manifest.labels.length, values: [...manifest.labels] },
    input: {
      shape: [1, height, width, channels],
      layout: first?.inputs[0]
        ? tfliteInputLayout(first.inputs[0].shape, manifest, models[0]!.entry)
        : 'NHWC',
      dtype: 'float32',
      height,
      width,
      channels,
    },
    preprocessing: {
      resize: { ...p.resize, fit: p.resize.fit ?? 'stretch' },
      fitRule: fitRule(p.resize.fit ?? 'stretch', width, height),
      channels: p.channels,
      scale: p.scale,
      mean: [...p.mean],
      std: [...p.std],
      formula: 'x = (pixel * scale - mean[c]) / std[c], pixel in 0..255',
      grayscale: 'BT.601 luma: L = (19595 R + 38470 G + 7471 B + 32768) >> 16',
    },
    output: {
      shape: [1, manifest.labels.length],
      dtype: 'float32',
      activation: manifest.output?.activation ?? 'softmax',
      meaning:
        (manifest.output?.activation ?? 'softmax') === 'softmax'
          ? 'probabilities, one per label, in labels order'
          : 'logits, one per label: apply softmax for probabilities',
    },
    models: models.map((m) => modelJson(m, manifest)),
    metrics: JSON.parse(JSON.stringify(manifest.metrics)) as JsonObject,
  };
}
