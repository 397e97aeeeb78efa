/**
 * The "processes" of the sim runtime: a small interpreter of the busybox programs and the subset
 * of `sh` that tests use, so one script means one behaviour on Docker and in the sim.
 *
 * Programs: sh -c, echo [-n], sleep N|infinity, exit, true, false, :, cat, pwd, cd, env, printenv,
 * export, hostname, id [-u|-g], read, trap, wait, httpd -f -p PORT -h DIR, wget -qO- URL, and
 * `VAR=value` assignments.
 * Shell: `;` newlines `&&` `||` `&` (background), `while LIST; do LIST; done`, quotes, `$VAR`
 * `${VAR}` `$?`, redirections `>` `>>` `>&2` `1>&2` `2>&1` `2>/dev/null`.
 * Signals: a trapped TERM/INT interrupts sleep/wait/read and runs the trap; PID 1 ignores untrapped
 * TERM/INT (as the kernel makes it); other processes die of them (128+n). KILL always ends (137).
 *
 * Files live where the container sees them: under a mount → the real host path; else an in-memory
 * per-container filesystem (seeded from the image's `files`).
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Clock } from '../../util/clock.js';
import type { Mount } from '../container-runtime.js';

export class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Raised out of blocking calls when a signal ends or interrupts the process. */
class Interrupted extends Error {}

export type Signal = 'TERM' | 'INT' | 'KILL';
const SIGNAL_NUMBERS: Record<Signal, number> = { INT: 2, KILL: 9, TERM: 15 };

/** A line-oriented stdin fed by sessions. */
export class SimStdin {
  #buf = '';
  #eof = false;
  #waiters: (() => void)[] = [];

  push(data: string): void {
    this.#buf += data;
    this.#wake();
  }

  end(): void {
    this.#eof = true;
    this.#wake();
  }

  get ended(): boolean {
    return this.#eof;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const fn of w) fn();
  }

  #changed(): Promise<void> {
    return new Promise((r) => this.#waiters.push(r));
  }

  async readLine(): Promise<string | undefined> {
    for (;;) {
      const nl = this.#buf.indexOf('\n');
      if (nl !== -1) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        return line;
      }
      if (this.#eof) {
        if (!this.#buf) return undefined;
        const line = this.#buf;
        this.#buf = '';
        return line;
      }
      await this.#changed();
    }
  }

  async readAll(): Promise<string> {
    while (!this.#eof) await this.#changed();
    const all = this.#buf;
    this.#buf = '';
    return all;
  }
}

/** What a process runs in: shared by the container's main process and its execs. */
export interface SimContainerEnv {
  readonly clock: Clock;
  readonly hostname: string;
  readonly mounts: readonly Mount[];
  readonly readOnlyRootfs: boolean;
  readonly uid: number;
  readonly gid: number;
  /** The container's own files (outside mounts). */
  readonly files: Map<string, string>;
  /** Port listeners of the sandbox (httpd): port → serve(path) → body or undefined (404). */
  readonly listeners: Map<number, (path: string) => Promise<string | undefined>>;
  /** Resolves another pod's listener by IP (cross-sandbox wget). */
  readonly remote: (ip: string, port: number) => ((path: string) => Promise<string | undefined>) | undefined;
  /** The main processes' argv visible in the container's PID namespace (`ps`). */
  readonly processes?: () => readonly (readonly string[])[];
}

export interface SimProcessOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly pid1: boolean;
  readonly stdin: SimStdin;
  readonly stdout: (data: string) => void;
  readonly stderr: (data: string) => void;
}

/** Programs the interpreter knows (argv[0] basename). */
export const SIM_PROGRAMS = new Set([
  'sh', 'ash', 'echo', 'sleep', 'exit', 'true', 'false', ':', 'cat', 'pwd', 'cd', 'env', 'printenv', 'export', 'hostname', 'id', 'read', 'trap', 'wait', 'httpd', 'wget',
]);

export function isKnownProgram(argv0: string): boolean {
  return SIM_PROGRAMS.has(posix.basename(argv0));
}

// ---- parsing ----

type Segment = { lit: string } | { var: string; quoted: boolean };
type Word = { segs: Segment[] };
interface Redirect {
  fd: 1 | 2;
  to: { fd: 1 | 2 } | { file: Word; append: boolean };
}
type Command = { kind: 'simple'; words: Word[]; redirects: Redirect[] } | { kind: 'while'; cond: List; body: List };
interface AndOr {
  first: Command;
  rest: { op: '&&' | '||'; cmd: Command }[];
  background: boolean;
}
type List = AndOr[];

type Token = { t: 'word'; w: Word; raw: string } | { t: 'op'; op: string } | { t: 'redir'; fd: 1 | 2; op: '>' | '>>' | '>&' };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\n' || c === ';') {
      tokens.push({ t: 'op', op: ';' });
      i++;
      continue;
    }
    if (c === '&' || c === '|') {
      if (src[i + 1] === c) {
        tokens.push({ t: 'op', op: c + c });
        i += 2;
      } else {
        if (c === '|') throw new Error('sh: pipes are not supported by the sim');
        tokens.push({ t: 'op', op: '&' });
        i++;
      }
      continue;
    }
    const redir = /^([12]?)(>>|>&|>)/.exec(src.slice(i));
    if (redir) {
      tokens.push({ t: 'redir', fd: redir[1] === '2' ? 2 : 1, op: redir[2] as '>' | '>>' | '>&' });
      i += redir[0].length;
      continue;
    }
    // a word
    const segs: Segment[] = [];
    let raw = '';
    const lit = (s: string) => {
      const last = segs[segs.length - 1];
      if (last && 'lit' in last) last.lit += s;
      else segs.push({ lit: s });
    };
    const variable = (quoted: boolean): void => {
      // at '$'
      i++;
      if (src[i] === '{') {
        const end = src.indexOf('}', i);
        segs.push({ var: src.slice(i + 1, end), quoted });
        i = end + 1;
      } else if (src[i] === '?' || src[i] === '$') {
        segs.push({ var: src[i], quoted });
        i++;
      } else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
        if (!m) {
          lit('$');
          return;
        }
        segs.push({ var: m[0], quoted });
        i += m[0].length;
      }
    };
    while (i < src.length && !/[\s;&|]/.test(src[i]) && !(src[i] === '>' && raw === '')) {
      const ch = src[i];
      if (ch === '>') break;
      if (ch === "'") {
        const end = src.indexOf("'", i + 1);
        if (end === -1) throw new Error('sh: unterminated quoted string');
        lit(src.slice(i + 1, end));
        if (segs.length === 0) segs.push({ lit: '' });
        raw += src.slice(i, end + 1);
        i = end + 1;
      } else if (ch === '"') {
        const start = i;
        i++;
        if (segs.length === 0) segs.push({ lit: '' });
        while (i < src.length && src[i] !== '"') {
          if (src[i] === '\\' && i + 1 < src.length && '"\\$`'.includes(src[i + 1])) {
            lit(src[i + 1]);
            i += 2;
          } else if (src[i] === '$') variable(true);
          else {
            lit(src[i]);
            i++;
          }
        }
        if (src[i] !== '"') throw new Error('sh: unterminated quoted string');
        i++;
        raw += src.slice(start, i);
      } else if (ch === '\\' && i + 1 < src.length) {
        lit(src[i + 1]);
        raw += src.slice(i, i + 2);
        i += 2;
      } else if (ch === '$') {
        const start = i;
        variable(false);
        raw += src.slice(start, i);
      } else {
        lit(ch);
        raw += ch;
        i++;
      }
    }
    tokens.push({ t: 'word', w: { segs }, raw });
  }
  return tokens;
}

function parse(src: string): List {
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p];
  const isWord = (raw: string) => {
    const tk = peek();
    return tk?.t === 'word' && tk.raw === raw;
  };
  const skipSeparators = () => {
    while (peek()?.t === 'op' && (peek() as { op: string }).op === ';') p++;
  };

  function command(): Command {
    if (isWord('while')) {
      p++;
      const cond = list(['do']);
      if (!isWord('do')) throw new Error('sh: syntax error: expected "do"');
      p++;
      const body = list(['done']);
      if (!isWord('done')) throw new Error('sh: syntax error: expected "done"');
      p++;
      return { kind: 'while', cond, body };
    }
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const tk = peek();
      if (!tk || tk.t === 'op') break;
      if (tk.t === 'redir') {
        p++;
        const target = peek();
        if (target?.t !== 'word') throw new Error('sh: syntax error: redirection without a target');
        p++;
        if (tk.op === '>&') redirects.push({ fd: tk.fd, to: { fd: target.raw === '2' ? 2 : 1 } });
        else redirects.push({ fd: tk.fd, to: { file: target.w, append: tk.op === '>>' } });
        continue;
      }
      words.push(tk.w);
      p++;
    }
    return { kind: 'simple', words, redirects };
  }

  function list(terminators: string[]): List {
    const out: List = [];
    for (;;) {
      skipSeparators();
      const tk = peek();
      if (!tk || (tk.t === 'word' && terminators.includes(tk.raw))) return out;
      const item: AndOr = { first: command(), rest: [], background: false };
      for (;;) {
        const op = peek();
        if (op?.t === 'op' && (op.op === '&&' || op.op === '||')) {
          p++;
          skipSeparators();
          item.rest.push({ op: op.op, cmd: command() });
        } else break;
      }
      const sep = peek();
      if (sep?.t === 'op' && sep.op === '&') {
        item.background = true;
        p++;
      }
      out.push(item);
    }
  }

  const result = list([]);
  if (p < tokens.length) throw new Error('sh: syntax error');
  return result;
}

// ---- running ----

/** One process (a container's main process or an exec). */
export class SimProcess {
  readonly #c: SimContainerEnv;
  readonly #o: SimProcessOptions;
  readonly #vars: Map<string, string>;
  #cwd: string;
  #status = 0;
  readonly #traps = new Map<Signal, string>();
  readonly #pending: Signal[] = [];
  /** Woken on every signal delivery. */
  #sigWaiters = new Set<() => void>();
  #killed: Signal | undefined;
  readonly #background: Promise<unknown>[] = [];
  #inTrap = false;
  /** Aborted when the process ends: cancels its timers (sleeps) and blocked reads. */
  readonly #done = new AbortController();
  readonly #doneAsInterrupt: Promise<never>;

  constructor(container: SimContainerEnv, options: SimProcessOptions) {
    this.#c = container;
    this.#o = options;
    this.#vars = new Map(Object.entries(options.env));
    this.#cwd = options.cwd || '/';
    this.#doneAsInterrupt = new Promise<never>((_, reject) => this.#done.signal.addEventListener('abort', () => reject(new Interrupted()), { once: true }));
    this.#doneAsInterrupt.catch(() => undefined);
  }

  /** Delivers a signal (stop, kill). */
  signal(sig: Signal): void {
    if (sig === 'KILL') this.#killed = 'KILL';
    else if (this.#traps.has(sig)) this.#pending.push(sig);
    else if (this.#o.pid1) return; // the kernel does not deliver untrapped signals to PID 1
    else this.#killed = sig;
    const waiters = this.#sigWaiters;
    this.#sigWaiters = new Set();
    for (const w of waiters) w();
  }

  /** Runs to the end; resolves with the exit status (128+n when a signal ended it). */
  async run(): Promise<number> {
    try {
      await this.#exec(this.#o.argv, { out: this.#o.stdout, err: this.#o.stderr });
      return this.#status;
    } catch (err) {
      if (err instanceof ExitError) return err.code;
      if (err instanceof Interrupted && this.#killed) return 128 + SIGNAL_NUMBERS[this.#killed];
      this.#o.stderr(`sh: ${(err as Error).message}\n`);
      return 2;
    } finally {
      this.#done.abort();
    }
  }

  /**
   * Waits on p, letting signals through: a fatal one ends the process; a trapped one runs its trap
   * (in the foreground only), after which the interrupted builtin returns, as `wait` does.
   */
  async #block<T>(p: Promise<T>, io: Io): Promise<T | undefined> {
    const SIGNALLED = Symbol('signalled');
    for (;;) {
      if (this.#killed) throw new Interrupted();
      if (!io.bg && this.#pending.length && !this.#inTrap) {
        await this.#runTraps();
        return undefined;
      }
      let wake!: () => void;
      const signalled = new Promise<typeof SIGNALLED>((resolve) => {
        wake = () => resolve(SIGNALLED);
        this.#sigWaiters.add(wake);
      });
      try {
        const r = await Promise.race([p, signalled, this.#doneAsInterrupt]);
        if (r !== SIGNALLED) return r as T;
      } finally {
        this.#sigWaiters.delete(wake);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return this.#c.clock.sleep(ms, this.#done.signal).catch(() => undefined);
  }

  #checkSignals(): void {
    if (this.#killed) throw new Interrupted();
  }

  async #runTraps(): Promise<void> {
    if (this.#inTrap) return;
    while (this.#pending.length) {
      const sig = this.#pending.shift()!;
      const action = this.#traps.get(sig);
      if (!action) continue;
      this.#inTrap = true;
      try {
        await this.#runList(parse(action), { out: this.#o.stdout, err: this.#o.stderr });
      } finally {
        this.#inTrap = false;
      }
    }
  }

  async #runList(list: List, io: Io): Promise<void> {
    for (const item of list) {
      if (item.background) {
        const bg = this.#runAndOr(item, { ...io, bg: true }).catch((err: unknown) => {
          if (!(err instanceof Interrupted) && !(err instanceof ExitError)) throw err;
        });
        bg.catch(() => undefined);
        this.#background.push(bg);
        this.#status = 0;
        continue;
      }
      await this.#runAndOr(item, io);
      if (this.#pending.length) await this.#runTraps();
    }
  }

  async #runAndOr(item: AndOr, io: Io): Promise<void> {
    await this.#runCommand(item.first, io);
    for (const { op, cmd } of item.rest) {
      if ((op === '&&') === (this.#status === 0)) await this.#runCommand(cmd, io);
    }
  }

  async #runCommand(cmd: Command, io: Io): Promise<void> {
    this.#checkSignals();
    if (cmd.kind === 'while') {
      for (;;) {
        await this.#runList(cmd.cond, io);
        if (this.#status !== 0) break;
        await this.#runList(cmd.body, io);
        await this.#block(this.#sleep(0), io); // yield, so signals and timers get their turn
      }
      this.#status = 0;
      return;
    }
    const argv = cmd.words.flatMap((w) => this.#expand(w));
    let cio = io;
    for (const r of cmd.redirects) {
      if ('fd' in r.to) {
        const target = r.to.fd === 2 ? io.err : io.out;
        cio = r.fd === 2 ? { ...cio, err: target } : { ...cio, out: target };
        continue;
      }
      const path = this.#expand(r.to.file).join(' ');
      if (path === '/dev/null') {
        cio = r.fd === 2 ? { ...cio, err: () => undefined } : { ...cio, out: () => undefined };
        continue;
      }
      const writer = await this.#openWrite(path, r.to.append, io);
      if (!writer) return;
      cio = r.fd === 2 ? { ...cio, err: writer.write, flush: writer.flush } : { ...cio, out: writer.write, flush: writer.flush };
    }
    if (argv.length === 0) {
      this.#status = 0;
      return;
    }
    await this.#exec(argv, cio);
    await cio.flush?.();
  }

  #expand(w: Word): string[] {
    let s = '';
    let quotedOrLiteral = false;
    for (const seg of w.segs) {
      if ('lit' in seg) {
        s += seg.lit;
        quotedOrLiteral = true;
      } else {
        if (seg.quoted) quotedOrLiteral = true;
        s += seg.var === '?' ? String(this.#status) : seg.var === '$' ? '1' : (this.#vars.get(seg.var) ?? '');
      }
    }
    if (!quotedOrLiteral && s === '') return [];
    return [s];
  }

  #resolve(path: string): string {
    return posix.resolve(this.#cwd, path);
  }

  /** A path seen by the container → its mount's host path, or undefined for the container's own files. */
  #hostPath(path: string): { host: string; readOnly: boolean } | undefined {
    let best: Mount | undefined;
    for (const m of this.#c.mounts) {
      const cp = m.containerPath.replace(/\/+$/, '') || '/';
      if ((path === cp || path.startsWith(cp === '/' ? '/' : `${cp}/`)) && (!best || cp.length > best.containerPath.length)) best = m;
    }
    if (!best) return undefined;
    const cp = best.containerPath.replace(/\/+$/, '');
    return { host: posix.join(best.hostPath, path.slice(cp.length)), readOnly: best.readOnly ?? false };
  }

  async #readFile(path: string): Promise<string | undefined> {
    const abs = this.#resolve(path);
    const hp = this.#hostPath(abs);
    if (hp) return readFile(hp.host, 'utf8').catch(() => undefined);
    return this.#c.files.get(abs);
  }

  async #openWrite(path: string, append: boolean, io: Io): Promise<{ write: (s: string) => void; flush: () => Promise<void> } | undefined> {
    const abs = this.#resolve(path);
    const hp = this.#hostPath(abs);
    if (hp ? hp.readOnly : this.#c.readOnlyRootfs) {
      io.err(`sh: can't create ${path}: Read-only file system\n`);
      this.#status = 1;
      return undefined;
    }
    let buf = '';
    if (hp) {
      try {
        if (!append) await writeFile(hp.host, '');
      } catch {
        io.err(`sh: can't create ${path}: No such file or directory\n`);
        this.#status = 1;
        return undefined;
      }
      return { write: (s) => void (buf += s), flush: async () => void (await appendFile(hp.host, buf), (buf = '')) };
    }
    if (!append) this.#c.files.set(abs, '');
    return {
      write: (s) => this.#c.files.set(abs, (this.#c.files.get(abs) ?? '') + s),
      flush: async () => undefined,
    };
  }

  async #exec(argv: readonly string[], io: Io): Promise<void> {
    const [name0, ...args] = argv;
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(name0);
    if (assign && args.length === 0) {
      this.#vars.set(assign[1], assign[2]);
      this.#status = 0;
      return;
    }
    const name = posix.basename(name0);
    const ok = (code = 0) => void (this.#status = code);
    switch (name) {
      case 'sh':
      case 'ash': {
        if (args[0] === '-c') {
          if (args.length < 2) {
            io.err('sh: -c requires an argument\n');
            return ok(2);
          }
          await this.#runList(parse(args[1]), io);
          return;
        }
        // `sh` reads its script from stdin (nothing when stdin is closed)
        const script = await this.#block(this.#o.stdin.readAll(), io);
        if (script) await this.#runList(parse(script), io);
        return;
      }
      case ':':
      case 'true':
        return ok(0);
      case 'false':
        return ok(1);
      case 'exit':
        throw new ExitError(args.length ? Number(args[0]) & 0xff : this.#status);
      case 'echo': {
        let newline = true;
        let rest = args;
        if (rest[0] === '-n') {
          newline = false;
          rest = rest.slice(1);
        }
        io.out(rest.join(' ') + (newline ? '\n' : ''));
        return ok(0);
      }
      case 'sleep': {
        const secs = args[0] === 'infinity' ? Infinity : Number(args[0]);
        if (!(secs >= 0)) {
          io.err(`sleep: invalid number '${args[0] ?? ''}'\n`);
          return ok(1);
        }
        await this.#block(secs === Infinity ? new Promise<void>(() => undefined) : this.#sleep(secs * 1000), io);
        return ok(0);
      }
      case 'cat': {
        if (args.length === 0) {
          io.out((await this.#block(this.#o.stdin.readAll(), io)) ?? '');
          return ok(0);
        }
        let code = 0;
        for (const f of args) {
          const content = await this.#readFile(f);
          if (content === undefined) {
            io.err(`cat: can't open '${f}': No such file or directory\n`);
            code = 1;
          } else io.out(content);
        }
        return ok(code);
      }
      case 'pwd':
        io.out(`${this.#cwd}\n`);
        return ok(0);
      case 'cd':
        this.#cwd = this.#resolve(args[0] ?? '/');
        return ok(0);
      case 'env':
      case 'printenv': {
        if (name === 'printenv' && args.length) {
          const v = this.#vars.get(args[0]);
          if (v === undefined) return ok(1);
          io.out(`${v}\n`);
          return ok(0);
        }
        for (const [k, v] of this.#vars) io.out(`${k}=${v}\n`);
        return ok(0);
      }
      case 'export':
        for (const a of args) {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
          if (m) this.#vars.set(m[1], m[2]);
        }
        return ok(0);
      case 'ps': {
        // busybox ps: PID USER TIME COMMAND; only main processes are modelled.
        const procs = this.#c.processes?.() ?? [];
        io.out('PID   USER     TIME  COMMAND\n' + procs.map((argv, i) => `${String(i + 1).padStart(5)} root      0:00 ${argv.join(' ')}\n`).join(''));
        return ok(0);
      }
      case 'hostname':
        io.out(`${this.#c.hostname}\n`);
        return ok(0);
      case 'id':
        if (args[0] === '-u') io.out(`${this.#c.uid}\n`);
        else if (args[0] === '-g') io.out(`${this.#c.gid}\n`);
        else io.out(`uid=${this.#c.uid} gid=${this.#c.gid}\n`);
        return ok(0);
      case 'read': {
        const line = await this.#block(this.#o.stdin.readLine(), io);
        if (line === undefined) return ok(1);
        this.#vars.set(args[0] ?? 'REPLY', line);
        return ok(0);
      }
      case 'trap': {
        const [action, ...sigs] = args;
        for (const s of sigs) {
          const sig = s.replace(/^SIG/, '').toUpperCase() as Signal;
          if (sig !== 'TERM' && sig !== 'INT') continue;
          if (action === '-') this.#traps.delete(sig);
          else this.#traps.set(sig, action ?? '');
        }
        return ok(0);
      }
      case 'wait':
        await this.#block(Promise.all(this.#background.splice(0)), io);
        return ok(this.#pending.length ? 128 + 15 : 0);
      case 'httpd':
        return this.#httpd(args, io);
      case 'wget':
        return this.#wget(args, io);
      default:
        io.err(`sh: ${name0}: not found\n`);
        return ok(127);
    }
  }

  async #httpd(args: readonly string[], io: Io): Promise<void> {
    let port = 80;
    let dir = '/www';
    let foreground = false;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-f') foreground = true;
      else if (args[i] === '-p') port = Number(String(args[++i]).split(':').pop());
      else if (args[i] === '-h') dir = args[++i];
    }
    if (this.#c.listeners.has(port)) {
      io.err(`httpd: bind: Address in use\n`);
      this.#status = 1;
      return;
    }
    const root = this.#resolve(dir);
    const serve = (path: string) => this.#readFile(posix.join(root, path === '/' || path === '' ? 'index.html' : path));
    this.#c.listeners.set(port, serve);
    if (!foreground) {
      this.#status = 0;
      return;
    }
    try {
      await this.#block(new Promise<void>(() => undefined), io);
    } finally {
      if (this.#c.listeners.get(port) === serve) this.#c.listeners.delete(port);
    }
  }

  async #wget(args: readonly string[], io: Io): Promise<void> {
    let output: string | undefined;
    let quiet = false;
    let url: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '-q') quiet = true;
      else if (a === '-qO-' || a === '-qO' || a === '-O-') {
        quiet ||= a.startsWith('-q');
        output = a.endsWith('-') && a !== '-qO' ? '-' : args[++i];
      } else if (a === '-O') output = args[++i];
      else if (!a.startsWith('-')) url = a;
    }
    const m = url ? /^(?:http:\/\/)?([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url) : null;
    if (!m) {
      io.err(`wget: bad address '${url ?? ''}'\n`);
      this.#status = 1;
      return;
    }
    const [, host, portText, path = '/'] = m;
    const port = Number(portText ?? 80);
    const local = host === 'localhost' || host === '127.0.0.1';
    const serve = local ? this.#c.listeners.get(port) : this.#c.remote(host, port);
    if (!quiet) io.err(`Connecting to ${host}${portText ? `:${portText}` : ''}\n`);
    if (!serve) {
      io.err(`wget: can't connect to remote host (${local ? '127.0.0.1' : host}): Connection refused\n`);
      this.#status = 1;
      return;
    }
    const body = await serve(path);
    if (body === undefined) {
      io.err('wget: server returned error: HTTP/1.1 404 Not Found\n');
      this.#status = 1;
      return;
    }
    if (output === '-') io.out(body);
    else {
      const w = await this.#openWrite(output ?? posix.basename(path === '/' ? 'index.html' : path), false, io);
      if (!w) return;
      w.write(body);
      await w.flush();
    }
    this.#status = 0;
  }
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  flush?: () => Promise<void>;
  /** Running as a background job (`&`): traps are left to the foreground. */
  bg?: boolean;
}
