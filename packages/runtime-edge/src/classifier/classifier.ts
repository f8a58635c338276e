/** The Classifier API's types: what createClassifier takes and what classify() answers. */

import type { ModelFileEntry, ModelManifest, ModelPackage, ModelPackageSource } from '@edgeml/core';
import type { OrtWebSettings, RuntimeName } from '../adapters/adapter.js';
import type { EdgemlWasmSettings } from '../adapters/edgeml-wasm/edgeml-wasm-adapter.js';
import type { LiteRtSettings } from '../adapters/litert/litert-runtime.js';
import type { ClassifierInput } from '../preprocess/image-input.js';
import type { InputSpec } from '../preprocess/input-spec.js';
import type { PreprocessedInput } from '../preprocess/preprocess.js';
import type { Prediction } from './top-k.js';

/** Model precisions a classifier can pick from a package. */
export type ClassifierPrecision = 'float32' | 'int8';

/** Precisions createClassifier accepts. */
export const CLASSIFIER_PRECISIONS: readonly ClassifierPrecision[] = ['float32', 'int8'];

/** A package already read, a source to read it from, or a URL prefix (fetch source). */
export type ModelPackageInput = ModelPackage | ModelPackageSource | string | URL;

/** Options of createClassifier. */
export interface ClassifierOptions {
  /** Runtime that runs the model. */
  readonly runtime: RuntimeName;
  /**
   * Which model file variant to load. @default 'float32', or 'int8' when the package holds int8
   * models of the runtime's format and no float32 one (an int8-only package such as
   * examples/models/resnet8-cifar10-int8)
   */
  readonly precision?: ClassifierPrecision;
  /** onnxruntime-web settings (runtime 'ort-web'). */
  readonly ortWeb?: OrtWebSettings;
  /** LiteRT.js settings (runtime 'litert'): where its wasm/ folder is served on the web entry. */
  readonly liteRt?: LiteRtSettings;
  /** Runtime 'edgeml-wasm': the compiled model's module when it is already compiled (Workers). */
  readonly edgemlWasm?: EdgemlWasmSettings;
  /** Check every package file's SHA-256 when reading a source (the loaded file is always checked). @default false */
  readonly verify?: boolean;
}

/** Options of classify(). */
export interface ClassifyOptions {
  /** How many classes to return, most probable first. @default 5 (capped at the label count) */
  readonly topK?: number;
}

/** Where the time of one classify() call went, in milliseconds. */
export interface ClassifyTimings {
  readonly decode: number;
  readonly preprocess: number;
  readonly inference: number;
  readonly total: number;
}

/** The answer of classify(). */
export interface ClassifyResult {
  readonly predictions: readonly Prediction[];
  readonly timings: ClassifyTimings;
}

/** An image classifier over one model file of a package, in one runtime. */
export interface Classifier {
  readonly runtime: RuntimeName;
  readonly precision: ClassifierPrecision;
  readonly manifest: ModelManifest;
  /** SHA-256 of the package's manifest.json. */
  readonly manifestSha256: string;
  /** The model file entry that was loaded. */
  readonly file: ModelFileEntry;
  /** The input contract of that file. */
  readonly inputSpec: InputSpec;
  /** The exact tensor classify() feeds the runtime for `input` (the shared preprocessing path). */
  preprocess(input: ClassifierInput): PreprocessedInput;
  /** Classifies one image (or preprocessed tensor). */
  classify(input: ClassifierInput, options?: ClassifyOptions): Promise<ClassifyResult>;
  /** Frees the runtime's session. */
  dispose(): Promise<void>;
}
