// CPU of each phase of a compiled model in a fresh process (all threads): `node [--no-liftoff] packages/compiler/bench/module-phases.mjs model.wasm`.
// WebAssembly.compile, new WebAssembly.Instance (the data segment copied in), run 1, run 2, mean of 20 more.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const bytes = readFileSync(file);
let t = cpu();
const module = await WebAssembly.compile(bytes);
const out = { compile: cpu() - t };
t = cpu();
const instance = new WebAssembly.Instance(module, {});
out.instantiate = cpu() - t;
const e = instance.exports;
const input = new Float32Array(e.memory.buffer, e.input_offset(), e.input_length());
input.fill(0.1);
t = cpu();
e.run();
out.run1 = cpu() - t;
t = cpu();
e.run();
out.run2 = cpu() - t;
t = cpu();
for (let i = 0; i < 20; i++) e.run();
out.run20avg = (cpu() - t) / 20;
console.log(JSON.stringify(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, +v.toFixed(2)]))));
