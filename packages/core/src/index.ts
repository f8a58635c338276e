// @edgeml/core: the contract shared by every package. Web-standard code only (no Node APIs), so
// that runtime-edge can import it inside Workers and browsers.
export {
  BackendUnavailableError,
  ConfigError,
  DataFormatError,
  DataNotFoundError,
  EdgemlError,
  ImageDecodeError,
  UnsupportedError,
  formatAllowed,
} from './errors.js';
export type { EdgemlErrorCode } from './errors.js';
export { silentProgress } from './progress.js';
export type { ProgressCallback, ProgressEvent } from './progress.js';
