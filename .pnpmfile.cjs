// pnpm hooks for the whole workspace (read by every `pnpm install`).
//
// @tensorflow/tfjs-tflite@0.0.1-alpha.10 (a devDependency of @edgeml/optimizer, used to run .tflite
// files in tests) declares its peer @tensorflow/tfjs-core as exactly 4.9.0, while the repo is on
// 4.22.0. Rather than forcing the whole tree (overrides/resolutions) or allowing the mismatch, this
// hook turns that one peer of that one package version into a regular dependency: tfjs-tflite gets a
// private tfjs-core 4.9.0 in its own node_modules and everything else keeps 4.22.0. (A
// `packageExtensions` entry is not enough: pnpm lets the peer win whenever a parent provides 4.22.0.)
// Our Node loader (packages/optimizer/src/export/tflite/tflite-runtime-node.ts) never loads that copy.
function readPackage(pkg) {
  if (pkg.name === '@tensorflow/tfjs-tflite' && pkg.version === '0.0.1-alpha.10') {
    if (pkg.peerDependencies) delete pkg.peerDependencies['@tensorflow/tfjs-core'];
    pkg.dependencies = { ...pkg.dependencies, '@tensorflow/tfjs-core': '4.9.0' };
  }
  return pkg;
}

module.exports = { hooks: { readPackage } };
