/**
 * `$(VAR)` expansion of env values, command and args, as upstream's
 * third_party/forked/golang/expansion: `$(NAME)` becomes the variable's value when it is defined
 * and stays as written when it is not; `$$` is an escaped `$`; an unclosed `$(` is kept.
 */

export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') out += '$';
    else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close === -1) out += '$(';
      else {
        const name = rest.slice(1, close);
        const value = lookup(name);
        out += value ?? `$(${name})`;
        advance = close + 1;
      }
    } else out += `$${rest[0]}`;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** A lookup over several maps, the first holding the name winning (upstream MappingFuncFor). */
export function lookupIn(...maps: readonly ReadonlyMap<string, string>[]): (name: string) => string | undefined {
  return (name) => {
    for (const m of maps) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}
