/**
 * The tfjs-tflite Node loader moved to `@edgeml/runtime-edge/node` (it is a runtime adapter); this
 * re-export keeps the optimizer's parity checks and its public `loadTfliteModel` working.
 */
export type { LoadTfliteOptions, TfliteNodeModel } from '@edgeml/runtime-edge/node';
export { loadTfliteModel } from '@edgeml/runtime-edge/node';
