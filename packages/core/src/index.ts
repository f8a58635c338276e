// @edgeml/core: the contract shared by every package. Web-standard code only (no Node APIs), so
// that runtime-edge can import it inside Workers and browsers.

export type { EdgemlErrorCode } from './errors.js';
export {
  BackendUnavailableError,
  ConfigError,
  DataFormatError,
  DataNotFoundError,
  EdgemlError,
  formatAllowed,
  ImageDecodeError,
  UnsupportedError,
} from './errors.js';
export type { ProgressCallback, ProgressEvent } from './progress.js';
export { silentProgress } from './progress.js';
export { SeededRandom, seededPermutation } from './random.js';
