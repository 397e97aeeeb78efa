/**
 * Compiles a Go (RE2) regular expression — the dialect of OpenAPI `pattern` in CRD schemas — into
 * a JavaScript RegExp with the same matching behaviour for the syntax people use in practice.
 *
 * Translated: leading flag groups `(?i)`/`(?s)`/`(?m)` (applied to the whole pattern, since
 * JavaScript has no scoped modifiers), `(?P<name>…)`, `\A` and `\z`, `\Q…\E`, `\pL`-style and
 * script-name Unicode classes, `\x{…}`, POSIX classes inside brackets (`[[:alpha:]]`), and Go's
 * permission to escape any ASCII punctuation. Syntax RE2 refuses (look-around, back references)
 * is refused here too, with Go's error text, so a CRD that kube-apiserver rejects is rejected.
 *
 * Known gap: JavaScript's engine backtracks where RE2 runs in linear time, so a pathological
 * pattern can be slow on adversarial input.
 */

export type GoRegExpResult = { readonly regexp: RegExp; readonly error?: undefined } | { readonly regexp?: undefined; readonly error: string };

const GENERAL_CATEGORIES = new Set([
  'L', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'M', 'Mn', 'Mc', 'Me', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po',
  'S', 'Sm', 'Sc', 'Sk', 'So', 'Z', 'Zs', 'Zl', 'Zp', 'C', 'Cc', 'Cf', 'Cs', 'Co', 'Cn',
]);

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** Characters that must stay escaped in a JavaScript `u`-mode pattern. */
const JS_SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

/**
 * Compiles a Go regular expression. Callers keep the result (schemas compile their patterns once
 * per CRD version), so nothing is cached here.
 */
export function compileGoRegExp(pattern: string): GoRegExpResult {
  return translate(pattern);
}

function fail(code: string, expr: string): GoRegExpResult {
  return { error: `error parsing regexp: ${code}: \`${expr}\`` };
}

function escapeLiteral(ch: string, inClass: boolean): string {
  if (JS_SYNTAX.has(ch) || (inClass && ch === '-')) return `\\${ch}`;
  return ch;
}

function translate(pattern: string): GoRegExpResult {
  let flags = '';
  let src = pattern;
  // Leading flag groups, possibly several: (?i)(?s)…
  for (let m = /^\(\?([imsU]+)\)/.exec(src); m; m = /^\(\?([imsU]+)\)/.exec(src)) {
    for (const f of m[1]) if (f !== 'U' && !flags.includes(f)) flags += f;
    src = src.slice(m[0].length);
  }
  let out = '';
  let inClass = false;
  let classStart = false;
  let depth = 0;
  let needsUnicode = false;
  let prevAtomStart = true; // at a position where a repetition operator would have no argument
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) return fail('trailing backslash at end of expression', '');
      if (n === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const lit = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
        for (const ch of lit) out += escapeLiteral(ch, inClass);
        i = end < 0 ? src.length : end + 1;
        prevAtomStart = false;
        classStart = false;
        continue;
      }
      if (n >= '1' && n <= '9') return fail('invalid escape sequence', `\\${n}`);
      if (n === 'A' && !inClass) {
        out += '(?<![\\s\\S])';
        i++;
        prevAtomStart = false;
        continue;
      }
      if (n === 'z' && !inClass) {
        out += '(?![\\s\\S])';
        i++;
        prevAtomStart = false;
        continue;
      }
      if (n === 'p' || n === 'P') {
        let name: string;
        let consumed: number;
        if (src[i + 2] === '{') {
          const close = src.indexOf('}', i + 3);
          if (close < 0) return fail('invalid character class range', src.slice(i));
          name = src.slice(i + 3, close);
          consumed = close - i;
        } else {
          name = src[i + 2] ?? '';
          consumed = 2;
        }
        let negate = n === 'P';
        if (name.startsWith('^')) {
          negate = !negate;
          name = name.slice(1);
        }
        const prop = GENERAL_CATEGORIES.has(name) ? name : name === 'Any' ? 'Any' : `Script=${name}`;
        out += prop === 'Any' ? (negate ? '[^\\s\\S]' : '[\\s\\S]') : `\\${negate ? 'P' : 'p'}{${prop}}`;
        needsUnicode = true;
        i += consumed;
        prevAtomStart = false;
        classStart = false;
        continue;
      }
      if (n === 'x' && src[i + 2] === '{') {
        const close = src.indexOf('}', i + 3);
        if (close < 0) return fail('invalid escape sequence', src.slice(i));
        out += `\\u{${src.slice(i + 3, close)}}`;
        needsUnicode = true;
        i = close;
        prevAtomStart = false;
        classStart = false;
        continue;
      }
      if (/[A-Za-z0-9]/.test(n)) {
        if (!'dDsSwWbBntrfvxa0'.includes(n)) return fail('invalid escape sequence', `\\${n}`);
        out += n === 'a' ? '\\x07' : `\\${n}`;
      } else {
        out += escapeLiteral(n, inClass);
      }
      i++;
      prevAtomStart = false;
      classStart = false;
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const close = src.indexOf(':]', i + 2);
        if (close > 0) {
          const name = src.slice(i + 2, close);
          const cls = POSIX_CLASSES[name];
          if (cls === undefined) return fail('invalid character class range', `[:${name}:]`);
          out += cls;
          i = close + 1;
          classStart = false;
          continue;
        }
      }
      if (c === ']' && !classStart) {
        inClass = false;
        out += ']';
        prevAtomStart = false;
        continue;
      }
      out += c === '[' || c === '/' ? `\\${c}` : c === ']' ? '\\]' : c;
      classStart = false;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        out += '[';
        if (src[i + 1] === '^') {
          out += '^';
          i++;
        }
        classStart = true;
        continue;
      case '(': {
        if (src[i + 1] === '?') {
          const rest = src.slice(i);
          if (/^\(\?(=|!|<=|<!)/.test(rest)) return fail('invalid or unsupported Perl syntax', rest.slice(0, rest[2] === '<' ? 4 : 3));
          const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
          if (named) {
            out += `(?<${named[1]}>`;
            i += named[0].length - 1;
          } else if (rest.startsWith('(?:')) {
            out += '(?:';
            i += 2;
          } else {
            const inline = /^\(\?([imsU-]+)(:|\))/.exec(rest);
            if (!inline) return fail('invalid or unsupported Perl syntax', rest.slice(0, 3));
            // Scoped or mid-pattern flags: JavaScript has no modifiers; apply them to the whole pattern.
            for (const f of inline[1]) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
            out += inline[2] === ':' ? '(?:' : '';
            i += inline[0].length - 1;
            if (inline[2] === ')') continue;
          }
        } else {
          out += '(';
        }
        depth++;
        prevAtomStart = true;
        continue;
      }
      case ')':
        if (depth === 0) return fail('unexpected )', pattern);
        depth--;
        out += ')';
        prevAtomStart = false;
        continue;
      case '|':
        out += '|';
        prevAtomStart = true;
        continue;
      case '*':
      case '+':
      case '?':
        if (prevAtomStart) return fail('missing argument to repetition operator', c);
        out += c;
        continue;
      case '{': {
        const rep = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
        if (rep) {
          if (prevAtomStart) return fail('missing argument to repetition operator', rep[0]);
          if (Number(rep[1]) > 1000 || (rep[3] !== undefined && rep[3] !== '' && Number(rep[3]) > 1000)) return fail('invalid repeat count', rep[0]);
          out += rep[0];
          i += rep[0].length - 1;
        } else {
          out += '\\{';
          prevAtomStart = false;
        }
        continue;
      }
      case '}':
        out += '\\}';
        prevAtomStart = false;
        continue;
      case '/':
        out += '\\/';
        prevAtomStart = false;
        continue;
      default:
        out += c;
        prevAtomStart = false;
    }
  }
  if (inClass) return fail('missing closing ]', src.slice(src.lastIndexOf('[')));
  if (depth > 0) return fail('missing closing )', pattern);
  try {
    return { regexp: new RegExp(out, `${flags}u`) };
  } catch (e) {
    if (!needsUnicode) {
      try {
        return { regexp: new RegExp(out, flags) };
      } catch {
        // fall through to the error below
      }
    }
    return { error: `error parsing regexp: ${e instanceof Error ? e.message : String(e)}` };
  }
}
