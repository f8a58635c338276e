// @edgeml/core/node: the Node-only half of core (file system). Web code imports '@edgeml/core'.
export { writeFileAtomic, writeJsonAtomic } from './node/atomic.js';
export { parseJsonConfig, readJsonConfig } from './node/json-config.js';
export type { OutputCheckOptions } from './node/output-path.js';
export {
  checkOutputDirectory,
  checkOutputFile,
  fileSystemErrorMessage,
  OutputPathError,
} from './node/output-path.js';
export type { ModelPackageUpdate, WriteModelPackageInput } from './node/package-io.js';
export {
  addFilesToPackage,
  createDirectorySource,
  readModelPackageDir,
  updateModelPackage,
  writeModelPackage,
} from './node/package-io.js';
