import { describe, expect, it } from 'vitest';
import { goFloat, goNumber, goQuote, goValue } from './go-format.js';

describe('Go value formatting', () => {
  it('prints float64 like %v', () => {
    expect(goFloat(1.5)).toBe('1.5');
    expect(goFloat(100000)).toBe('100000');
    expect(goFloat(1000000)).toBe('1e+06');
    expect(goFloat(1234567.5)).toBe('1.2345675e+06');
    expect(goFloat(0.0001)).toBe('0.0001');
    expect(goFloat(0.00001)).toBe('1e-05');
    expect(goFloat(-2.5e-7)).toBe('-2.5e-07');
    expect(goFloat(1e21)).toBe('1e+21');
  });

  it('prints integers plainly and values like fmt %v', () => {
    expect(goNumber(1000000)).toBe('1000000');
    expect(goNumber(0.5)).toBe('0.5');
    expect(goValue({ b: [1, 'x'], a: null })).toBe('map[a:<nil> b:[1 x]]');
    expect(goQuote('a"b\n\u0001')).toBe('"a\\"b\\n\\x01"');
  });
});
