// @edgeml/core: the contract shared by every package. Web-standard code only (no Node APIs), so
// that runtime-edge can import it inside Workers and browsers.

export type { EdgemlErrorCode } from './errors.js';
export {
  BackendUnavailableError,
  ConfigError,
  DataFormatError,
  DataNotFoundError,
  DatasetMismatchError,
  EdgemlError,
  formatAllowed,
  HashMismatchError,
  ImageDecodeError,
  ManifestFileMissingError,
  ManifestInvalidError,
  SchemaVersionError,
  UnsupportedError,
} from './errors.js';
export { convertChannels, toGrayscale, toRgb } from './image/channels.js';
export { decodeImage, MAX_DECODE_PIXELS } from './image/decode.js';
export { encodePng } from './image/encode.js';
export type { ExifOrientation } from './image/exif-orientation.js';
export { orientImage, readExifOrientation } from './image/exif-orientation.js';
export type { FitGeometry } from './image/fit.js';
export { fitGeometry, fitImage } from './image/fit.js';
export type { ImageFormat, ImageHeader } from './image/format.js';
export { probeImage, sniffImageFormat } from './image/format.js';
export { checkImageIntegrity } from './image/integrity.js';
export type { ImageChannels, RawImage } from './image/raw-image.js';
export { resizeImage } from './image/resize.js';
export type { DescribedFile, ManifestDraft, ManifestUpdate, ModelFileInput } from './manifest/build.js';
export { buildManifest, describeFile, serializeManifest, updateManifest } from './manifest/build.js';
export type { FetchSourceOptions } from './manifest/fetch-source.js';
export { createFetchSource } from './manifest/fetch-source.js';
export type { LineageStepInit } from './manifest/lineage.js';
export { createLineageStep } from './manifest/lineage.js';
export { createMemorySource } from './manifest/memory-source.js';
export { isPackagePath, packagePathProblem } from './manifest/paths.js';
export type { ModelPackage, ReadModelPackageOptions } from './manifest/read.js';
export { readModelPackage, readVerifiedFile, verifyModelPackage } from './manifest/read.js';
export { defaultModelPrecision, findModelFile } from './manifest/select.js';
export { sha256Hex } from './manifest/sha256.js';
export type { ModelPackageSource } from './manifest/source.js';
export type {
  ChannelMode,
  DatasetReference,
  FileRole,
  InputDtype,
  JsonObject,
  JsonValue,
  LineageInput,
  LineageStep,
  MeasuredMetric,
  MetricSplit,
  MetricValue,
  ModelFileEntry,
  ModelFileFormat,
  ModelInput,
  ModelManifest,
  ModelOutput,
  OutputActivation,
  Precision,
  Preprocessing,
  ResizeFit,
  ResizeMethod,
  TensorLayout,
  TrainingInfo,
} from './manifest/types.js';
export {
  CHANNEL_MODES,
  FILE_ROLES,
  INPUT_DTYPES,
  MANIFEST_FILE_NAME,
  MANIFEST_SCHEMA_VERSION,
  MODEL_FILE_FORMATS,
  MODEL_FORMATS,
  OUTPUT_ACTIVATIONS,
  PRECISIONS,
  RESIZE_FITS,
  RESIZE_METHODS,
  SUPPORTED_SCHEMA_VERSIONS,
  TENSOR_LAYOUTS,
} from './manifest/types.js';
export {
  checkDatasetReference,
  checkLineageStep,
  parseManifest,
  validateManifest,
} from './manifest/validate.js';
export type { OptionalDependency, OptionalPackage } from './optional-dependency.js';
export {
  importOptional,
  installCommand,
  isPackageNotFound,
  MissingDependencyError,
  OPTIONAL_DEPENDENCIES,
  resolveOptional,
} from './optional-dependency.js';
export type {
  BooleanDecl,
  ChoiceDecl,
  ListDecl,
  NumberDecl,
  OptionDecl,
  OptionDecls,
  OptionsOf,
  OptionValueOf,
  StringDecl,
} from './options/declare.js';
export {
  checkOption,
  defaultText,
  expectedText,
  omitOptions,
  optionFlag,
  optionJsonSchema,
  optionsFromFlags,
  optionsJsonSchema,
  prefixOptions,
  readOptions,
} from './options/declare.js';
export type { ProgressCallback, ProgressEvent } from './progress.js';
export { silentProgress } from './progress.js';
export { SeededRandom, seededPermutation } from './random.js';
export { EDGEML_VERSION } from './version.js';
