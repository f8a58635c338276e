/**
 * Test fixture: a small in-memory data set of 12x12 grey images of four seeded noisy patterns
 * (bright top, left, centre, diagonal), learnable in a few steps by the zoo's small models.
 */
import { SeededRandom } from '@edgeml/core';
import { createInMemoryDataset, type Dataset } from '@edgeml/trainer';

const SIZE = 12;

function bright(label: number, y: number, x: number): boolean {
  if (label === 0) return y < 4;
  if (label === 1) return x < 4;
  if (label === 2) return y >= 4 && y < 8 && x >= 4 && x < 8;
  return Math.abs(x - y) <= 1;
}

/** A toy data set: `train` + `validation` + `test` images, 4 classes, 12x12x1. */
export function toyDataset({ train = 192, validation = 32, test = 64, seed = 1 } = {}): Dataset {
  const count = train + validation + test;
  const rng = new SeededRandom(seed);
  const pixels = new Uint8Array(count * SIZE * SIZE);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 4;
    labels[i] = label;
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++)
        pixels[(i * SIZE + y) * SIZE + x] = Math.max(
          0,
          Math.min(255, Math.round((bright(label, y, x) ? 190 : 40) + (rng.next() - 0.5) * 120)),
        );
  }
  const range = (from: number, n: number) => Int32Array.from({ length: n }, (_, i) => from + i);
  return createInMemoryDataset({
    name: 'toy',
    classNames: ['top', 'left', 'centre', 'diagonal'],
    store: { shape: [SIZE, SIZE, 1], pixels, labels },
    rows: {
      train: range(0, train),
      validation: range(train, validation),
      test: range(train + validation, test),
    },
    dropped: { count: 0, reasons: [] },
    splitPolicy: 'generated',
  });
}
