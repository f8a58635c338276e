// Writes a small image folder of its own: 28x28 grayscale PNGs of three stripe patterns
// (horizontal, vertical, diagonal) with a random period, phase and noise, 20 training and 6 test
// images per class, in the layout `edgeml train --dataset image-folder` reads:
//   <out>/train/<class>/*.png and <out>/test/<class>/*.png
// Seeded: the same images on every run.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodePng } from '@edgeml/core';

const out = process.argv[2] ?? 'images';
const SIZE = 28;
const CLASSES = {
  horizontal: (_x, y, period) => y / period,
  vertical: (x, _y, period) => x / period,
  diagonal: (x, y, period) => (x + y) / period,
};

// A small seeded generator (mulberry32), so that the folder is the same everywhere.
let seed = 20261205;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function stripes(phaseOf) {
  const period = 3 + random() * 4;
  const phase = random() * Math.PI * 2;
  const data = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const wave = Math.sin(phaseOf(x, y, period) * Math.PI * 2 + phase);
      const noise = (random() - 0.5) * 160;
      data[y * SIZE + x] = Math.max(0, Math.min(255, Math.round(128 + 50 * wave + noise)));
    }
  }
  return encodePng({ width: SIZE, height: SIZE, channels: 1, data });
}

await rm(out, { recursive: true, force: true });
let count = 0;
for (const [split, perClass] of [
  ['train', 20],
  ['test', 6],
]) {
  for (const [name, phaseOf] of Object.entries(CLASSES)) {
    const dir = join(out, split, name);
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < perClass; i++) {
      await writeFile(join(dir, `${name}-${String(i).padStart(2, '0')}.png`), stripes(phaseOf));
      count++;
    }
  }
}
console.log(
  `wrote ${count} images of ${Object.keys(CLASSES).length} classes to ${out}/train and ${out}/test`,
);
