/** @edgeml/compiler: each model as its own small WebAssembly module. */
export {};
