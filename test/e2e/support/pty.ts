/**
 * A program run on a pseudo-terminal, for `kubectl exec -it` / `kubectl attach -it`: util-linux
 * `script` (package bsdutils, present on every Debian) gives the program a pty whose size is set
 * with `stty` before it starts; `resize()` changes the size from outside (`stty -F <pty>`), which
 * makes the kernel send SIGWINCH to the program, as a terminal window being resized does.
 *
 * Output is collected (pty output uses \r\n); every wait is bounded; stop() kills what is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { runProgram } from './kubectl.js';
import { withTimeout } from './wait.js';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone
    }
  }
});

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export class PtyProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #out = '';
  #closed = false;
  #waiters = new Set<() => void>();
  #tty: string | undefined;

  /** Runs `argv` on a pty of `rows`×`cols`. */
  constructor(argv: readonly string[], size: { rows: number; cols: number }, env: Readonly<Record<string, string>> = {}) {
    const inner = `tty; stty rows ${size.rows} cols ${size.cols}; exec ${argv.map(shellQuote).join(' ')}`;
    this.child = spawn('script', ['-qfec', inner, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SHELL: '/bin/sh', ...env } });
    live.add(this.child);
    const onData = (d: string) => {
      this.#out += d;
      for (const w of [...this.#waiters]) w();
    };
    this.child.stdout?.setEncoding('utf8').on('data', onData);
    this.child.stderr?.setEncoding('utf8').on('data', onData);
    this.child.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.#closed = true;
        live.delete(this.child);
        for (const w of [...this.#waiters]) w();
        resolve({ code, signal });
      });
    });
  }

  /** Everything the pty printed so far, with \r\n turned into \n. */
  get output(): string {
    return this.#out.replace(/\r\n/g, '\n');
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Waits (bounded) until the output, from `from` on, matches; returns the match. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.output.slice(from));
      if (m) return m;
      const left = deadline - Date.now();
      if (left <= 0 || this.#closed) throw new Error(`${this.#closed ? 'the pty program exited' : `timed out after ${timeoutMs} ms`} waiting for ${pattern}; output:\n${this.output.slice(-3000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 250));
        const self = this;
        function done() {
          clearTimeout(t);
          self.#waiters.delete(done);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  /** The pty device (printed by `tty` before the program started). */
  async tty(): Promise<string> {
    this.#tty ??= (await this.waitFor(/^(\/dev\/pts\/\d+)$/m))[1];
    return this.#tty;
  }

  /** Resizes the terminal; the kernel sends SIGWINCH to the program. */
  async resize(rows: number, cols: number): Promise<void> {
    const tty = await this.tty();
    const r = await runProgram('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)], { timeoutMs: 5_000 });
    if (r.code !== 0) throw new Error(`stty -F ${tty} failed: ${r.stderr}`);
  }

  async wait(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return await withTimeout(this.exited, timeoutMs, 'the pty program to exit');
  }

  async stop(): Promise<void> {
    if (this.#closed) return;
    this.child.kill('SIGKILL');
    await withTimeout(this.exited, 5_000, 'the pty program to exit after SIGKILL');
  }
}
