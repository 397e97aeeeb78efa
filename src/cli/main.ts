/**
 * `lite` command line. Commands only translate flags into config objects and call the
 * composition roots (src/server, …); exits happen here and nowhere else.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LITE_VERSION, KUBERNETES_VERSION } from '../version.js';
import { commonFlags, serverFlags, withEnvDefaults, type FlagSpec } from './flags.js';

function withFlags<T>(y: Argv<T>, flags: Record<string, FlagSpec>): Argv<T> {
  let out = y;
  for (const [name, spec] of Object.entries(withEnvDefaults(flags))) out = out.option(name, spec) as Argv<T>;
  return out;
}

async function main(): Promise<void> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('lite')
    .usage('$0 <command> [flags]\n\nlite: a small, fast Kubernetes distribution.')
    .command(
      'server',
      'Run the control plane (API server on SQLite, controllers) on this host',
      (y) => withFlags(withFlags(y, commonFlags), serverFlags),
      async (argv) => {
        const { runServerCommand } = await import('./server-command.js');
        process.exitCode = await runServerCommand(argv as unknown as Record<string, unknown>);
      },
    )
    .demandCommand(1, 'Name a command: lite server')
    .strict()
    .version(`lite ${LITE_VERSION} (Kubernetes ${KUBERNETES_VERSION})`)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((msg, err, y) => {
      if (err) throw err;
      process.stderr.write(`${y.help().toString()}\n\nError: ${msg}\n`);
      process.exit(2);
    });
  await cli.parseAsync();
}

main().catch((err: unknown) => {
  process.stderr.write(`lite: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
