import { describe, expect, it } from 'vitest';
import { expand, lookupIn } from './expansion.js';

const vars = lookupIn(new Map([['A', 'a'], ['EMPTY', '']]), new Map([['A', 'shadowed'], ['B', 'b']]));

describe('$(VAR) expansion (upstream third_party/forked/golang/expansion)', () => {
  it('replaces defined variables, the first map winning', () => {
    expect(expand('$(A)-$(B)', vars)).toBe('a-b');
    expect(expand('x$(EMPTY)y', vars)).toBe('xy');
  });

  it('keeps undefined references as written', () => {
    expect(expand('$(MISSING) and $(A)', vars)).toBe('$(MISSING) and a');
  });

  it('treats $$ as an escaped $', () => {
    expect(expand('$$(A)', vars)).toBe('$(A)');
    expect(expand('cost: $$5', vars)).toBe('cost: $5');
  });

  it('keeps an unclosed reference and a lone $', () => {
    expect(expand('$(A', vars)).toBe('$(A');
    expect(expand('tail$', vars)).toBe('tail$');
    expect(expand('$x $(A)', vars)).toBe('$x a');
  });
});
