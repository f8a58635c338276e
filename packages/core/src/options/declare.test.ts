import { describe, expect, it } from 'vitest';
import { optionJsonSchema } from './declare.js';

describe('optionJsonSchema', () => {
  it('gives a list of free names (no values declared) non-empty strings, not an empty enum', () => {
    // An empty enum accepts nothing and is refused by JSON Schema validators (ajv: "enum must
    // have at least 1 item"): the pipeline schema's quantize.keepFloat was written that way.
    const schema = optionJsonSchema({ kind: 'list', minItems: 0, default: [], description: 'nodes' });
    expect(schema['items']).toEqual({ type: 'string', minLength: 1 });
  });

  it('gives a list of declared values their enum, and integer lists positive integers', () => {
    const choices = optionJsonSchema({ kind: 'list', values: ['a', 'b'], default: ['a'], description: 'x' });
    expect(choices['items']).toEqual({ type: 'string', enum: ['a', 'b'] });
    const ints = optionJsonSchema({ kind: 'list', integers: true, default: [1], description: 'x' });
    expect(ints['items']).toEqual({ type: 'integer', minimum: 1 });
  });
});
