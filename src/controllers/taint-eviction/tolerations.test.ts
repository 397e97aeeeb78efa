import { describe, expect, it } from 'vitest';
import { matchingTolerations, minTolerationMs, toleratesTaint, type Taint, type Toleration } from './tolerations.js';

const taint = (key: string, effect = 'NoExecute', value = ''): Taint => ({ key, value, effect });
const tol = (t: Partial<Toleration>): Toleration => ({ key: '', operator: '', value: '', effect: '', tolerationSeconds: undefined, ...t });

describe('tolerations', () => {
  it('matches as Toleration.ToleratesTaint does', () => {
    expect(toleratesTaint(tol({ operator: 'Exists' }), taint('any'))).toBe(true);
    expect(toleratesTaint(tol({ key: 'a', operator: 'Exists' }), taint('a'))).toBe(true);
    expect(toleratesTaint(tol({ key: 'a', operator: 'Exists', effect: 'NoSchedule' }), taint('a'))).toBe(false);
    expect(toleratesTaint(tol({ key: 'a', value: 'x' }), taint('a', 'NoExecute', 'x'))).toBe(true);
    expect(toleratesTaint(tol({ key: 'a', operator: 'Equal', value: 'x' }), taint('a', 'NoExecute', 'y'))).toBe(false);
    expect(toleratesTaint(tol({ key: 'a', operator: 'Bogus' }), taint('a'))).toBe(false);
  });

  it('needs every taint tolerated and reports the tolerations used', () => {
    const a = tol({ key: 'a', operator: 'Exists', tolerationSeconds: 30 });
    const b = tol({ key: 'b', operator: 'Exists' });
    expect(matchingTolerations([taint('a'), taint('b')], [a, b])).toEqual({ allTolerated: true, used: [a, b] });
    expect(matchingTolerations([taint('a'), taint('c')], [a, b]).allTolerated).toBe(false);
    expect(matchingTolerations([], []).allTolerated).toBe(true);
    expect(matchingTolerations([taint('a')], []).allTolerated).toBe(false);
  });

  it('takes the shortest tolerationSeconds; forever is -1; ≤ 0 is now', () => {
    expect(minTolerationMs([tol({ tolerationSeconds: 60 }), tol({ tolerationSeconds: 30 }), tol({})])).toBe(30_000);
    expect(minTolerationMs([tol({})])).toBe(-1);
    expect(minTolerationMs([tol({ tolerationSeconds: -5 })])).toBe(0);
    expect(minTolerationMs([])).toBe(0);
  });
});
