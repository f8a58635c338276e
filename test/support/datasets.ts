/**
 * Small data sets the end-to-end tests generate, with a signal a tiny CNN learns in one epoch:
 * an image folder of mixed PNG (RGB and grayscale) and JPEG files of different sizes and aspect
 * ratios, and CIFAR-10-format binary batches. Class c is drawn brighter and tinted towards one
 * channel, with noise, so accuracy well above chance shows the right images were used.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng, SeededRandom } from '@edgeml/core';
import jpeg from 'jpeg-js';

/** An RGB image of class `label` of `classes`: brightness and tint by class, noise by `random`. */
function classImage(label: number, classes: number, width: number, height: number, random: SeededRandom) {
  const data = new Uint8Array(width * height * 3);
  const level = 40 + Math.round((label / Math.max(1, classes - 1)) * 170);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      const tint = c === label % 3 ? 45 : 0;
      const noise = Math.round((random.next() - 0.5) * 50);
      data[i * 3 + c] = Math.max(0, Math.min(255, level + tint + noise));
    }
  }
  return { width, height, channels: 3 as const, data };
}

function toGray(image: { width: number; height: number; data: Uint8Array }) {
  const data = new Uint8Array(image.width * image.height);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.round(
      ((image.data[i * 3] ?? 0) + (image.data[i * 3 + 1] ?? 0) + (image.data[i * 3 + 2] ?? 0)) / 3,
    );
  return { width: image.width, height: image.height, channels: 1 as const, data };
}

function jpegOf(image: { width: number; height: number; data: Uint8Array }): Uint8Array {
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++)
    rgba.set([image.data[i * 3] ?? 0, image.data[i * 3 + 1] ?? 0, image.data[i * 3 + 2] ?? 0, 255], i * 4);
  return new Uint8Array(jpeg.encode({ width: image.width, height: image.height, data: rgba }, 92).data);
}

/**
 * `root/<class>/...` with `perClass` images per class: every third a JPEG, every fifth a grayscale
 * PNG, the rest RGB PNGs; sides from 20 to 47 pixels, aspect ratios up to 2:1; plus a stray
 * `notes.txt`. Returns the class names.
 */
export function writeImageFolder(root: string, classes: readonly string[], perClass: number, seed = 1): void {
  const random = new SeededRandom(seed);
  classes.forEach((name, label) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const width = 20 + Math.floor(random.next() * 28);
      const height = Math.max(12, Math.round(width * (0.5 + random.next())));
      const image = classImage(label, classes.length, width, height, random);
      const file = join(root, name, `img-${String(i).padStart(3, '0')}`);
      if (i % 3 === 0) writeFileSync(`${file}.jpg`, jpegOf(image));
      else if (i % 5 === 0) writeFileSync(`${file}.png`, encodePng(toGray(image)));
      else writeFileSync(`${file}.png`, encodePng(image));
    }
  });
  writeFileSync(join(root, 'notes.txt'), 'not an image\n');
  writeFileSync(join(root, classes[0] ?? 'a', 'README.txt'), 'not an image either\n');
}

/** CIFAR-10 binary batches in `dir`: data_batch_1.bin (`train` records) and test_batch.bin (`test`). */
export function writeCifarBatches(dir: string, train: number, test: number, seed = 2): void {
  mkdirSync(dir, { recursive: true });
  const random = new SeededRandom(seed);
  const batch = (count: number) => {
    const bytes = new Uint8Array(count * 3073);
    for (let r = 0; r < count; r++) {
      const label = r % 10;
      const image = classImage(label, 10, 32, 32, random);
      bytes[r * 3073] = label;
      // Planar R, G, B after the label byte.
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < 1024; i++) bytes[r * 3073 + 1 + c * 1024 + i] = image.data[i * 3 + c] ?? 0;
    }
    return bytes;
  };
  writeFileSync(join(dir, 'data_batch_1.bin'), batch(train));
  writeFileSync(join(dir, 'test_batch.bin'), batch(test));
}
