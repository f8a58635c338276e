import { EdgemlError } from '@edgeml/core';
import { describe, expect, it } from 'vitest';
import { readTfliteSignature } from './read-tflite-signature.js';

describe('readTfliteSignature', () => {
  it('refuses bytes that are not a TFLite flatbuffer, naming the file', () => {
    for (const bytes of [new Uint8Array(3), new TextEncoder().encode('PK\u0003\u0004not a model')]) {
      const error = (() => {
        try {
          readTfliteSignature(bytes, 'model.tflite');
        } catch (e) {
          return e;
        }
      })() as EdgemlError;
      expect(error).toBeInstanceOf(EdgemlError);
      expect(error.code).toBe('MODEL_INVALID');
      expect(error.message).toMatch(/'model\.tflite' is not a TFLite file/);
    }
  });

  it('refuses a truncated TFLite file with a typed error', () => {
    const bytes = new Uint8Array(64);
    bytes.set(new TextEncoder().encode('TFL3'), 4);
    bytes[0] = 200; // root offset past the end
    expect(() => readTfliteSignature(bytes, 'cut.tflite')).toThrow(
      /'cut\.tflite' is not a readable TFLite model/,
    );
  });
});
