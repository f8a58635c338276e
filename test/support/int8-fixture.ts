/**
 * The int8 variant of the fixture package: `quantizeModelPackage` (static PTQ on a few training
 * images) over the trained package writeFixturePackage leaves in `dir`/trained. Its output holds
 * `model.int8.onnx` and `model.int8.tflite` (full integer, float32 I/O) but no float files.
 */
import { join } from 'node:path';
import { quantizeModelPackage } from '@edgeml/optimizer';

/** Quantises `dir`/trained into `dir`/int8 (call writeFixturePackage(dir) first); returns its path. */
export async function writeInt8FixturePackage(dir: string): Promise<string> {
  const out = join(dir, 'int8');
  await quantizeModelPackage(join(dir, 'trained'), out, {
    dataset: { name: 'fashion-mnist' },
    calibrationImages: 64,
    evalImages: 0,
    latencyRuns: 0,
    toolVersion: 'test',
  });
  return out;
}
