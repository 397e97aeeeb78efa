// Runs a TypeScript module of this repository in a plain Node process (no build step): loads it
// through Vite's module runner (Vite ships with vitest) and calls its exported `main(args)`.
// Used by tests that need a real child process (crash tests) and by small benchmarks.
//   node src/storage/testing/run-ts.mjs <module.ts> [args...]
import { resolve } from 'node:path';
import { runnerImport } from 'vite';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node run-ts.mjs <module.ts> [args...]\n');
  process.exit(2);
}
const { module } = await runnerImport(resolve(file), { configFile: false, logLevel: 'silent' });
if (typeof module.main !== 'function') {
  process.stderr.write(`${file} does not export main(args)\n`);
  process.exit(2);
}
await module.main(args);
