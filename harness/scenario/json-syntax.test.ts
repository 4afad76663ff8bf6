import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from './json-syntax.js';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('findJsonSyntaxError', () => {
  it('agrees with JSON.parse on valid JSON', () => {
    fc.assert(fc.property(fc.json(), (text) => findJsonSyntaxError(text) === undefined));
  });

  it('agrees with JSON.parse on damaged JSON', () => {
    const damaged = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', '}', ']', ',', ':', '"', '\\', '\n', 'x', '0', ' '))
      .map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + 1);
      });
    fc.assert(fc.property(damaged, (text) => (findJsonSyntaxError(text) === undefined) === parses(text)));
  });

  it('reports line, column and what was expected', () => {
    expect(findJsonSyntaxError('{\n  "a": [1,\n  ]\n}')).toStrictEqual({
      line: 3,
      column: 3,
      expected: 'a JSON value',
      got: '"]"',
    });
  });
});
