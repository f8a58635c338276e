// @edgeml/core/node: the Node-only half of core (file system). Web code imports '@edgeml/core'.
export { writeFileAtomic, writeJsonAtomic } from './node/atomic.js';
