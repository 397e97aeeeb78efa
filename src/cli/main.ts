/**
 * `lite` command line. Commands only translate flags into config objects and call the
 * composition roots (src/server, …); exits happen here and nowhere else.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LITE_VERSION, KUBERNETES_VERSION } from '../version.js';
import { agentFlags, commonFlags, defaultDataDir, nodeFlags, serverFlags, withEnvDefaults, type FlagSpec } from './flags.js';

function withFlags<T>(y: Argv<T>, flags: Record<string, FlagSpec>): Argv<T> {
  let out = y;
  for (const [name, spec] of Object.entries(withEnvDefaults(flags))) out = out.option(name, spec) as Argv<T>;
  return out;
}

function dataDirOf(argv: Record<string, unknown>): string {
  return typeof argv['data-dir'] === 'string' && argv['data-dir'] ? argv['data-dir'] : defaultDataDir();
}

async function main(): Promise<void> {
  const args = hideBin(process.argv);
  // kubectl's arguments go to kubectl untouched (its flags, `--`, `--help`), so yargs never sees
  // them; the command below only lists it in `lite --help`.
  if (args[0] === 'kubectl') {
    const { runKubectl } = await import('./kubectl-command.js');
    process.exitCode = await runKubectl(args.slice(1));
    return;
  }
  const cli = yargs(args)
    .scriptName('lite')
    .usage('$0 <command> [flags]\n\nlite: a small, fast Kubernetes distribution.')
    .command(
      'server',
      'Run the control plane (API server on SQLite, controllers) on this host',
      (y) => withFlags(withFlags(withFlags(y, commonFlags), serverFlags), nodeFlags),
      async (argv) => {
        const { runServerCommand } = await import('./server-command.js');
        process.exitCode = await runServerCommand(argv as unknown as Record<string, unknown>);
      },
    )
    .command(
      'agent',
      'Join a server and run this machine as a node (pods run as Docker containers)',
      (y) => withFlags(withFlags(withFlags(y, commonFlags), agentFlags), nodeFlags),
      async (argv) => {
        const [{ runAgentCommand }, { startKubelet }] = await Promise.all([import('./agent-command.js'), import('../kubelet/kubelet.js')]);
        process.exitCode = await runAgentCommand(argv as unknown as Record<string, unknown>, startKubelet);
      },
    )
    .command(
      'token',
      'Print the join token agents use (lite agent --token); "lite token create" makes expiring ones',
      (y) =>
        withFlags(y, commonFlags).command(
          'create',
          'Create a join token that expires',
          (yy) =>
            withFlags(yy, commonFlags)
              .option('ttl', { type: 'string', default: '24h', describe: 'How long the token is valid (e.g. 30m, 24h; 0 = never expires)' })
              .option('description', { type: 'string', describe: 'A note kept with the token' }),
          async (argv) => {
            const { createToken } = await import('./token-command.js');
            process.exitCode = await createToken(dataDirOf(argv), String(argv.ttl), argv.description as string | undefined);
          },
        ),
      async (argv) => {
        const { printServerToken } = await import('./token-command.js');
        process.exitCode = printServerToken(dataDirOf(argv));
      },
    )
    .command('kubeconfig', 'Make kubeconfigs for people and tools (client certificates; access comes from RBAC)', (y) =>
      withFlags(y, commonFlags)
        .command(
          'create <user>',
          'Print (or write with --output) a kubeconfig for USER with a client certificate signed by this cluster',
          (yy) =>
            withFlags(yy, commonFlags)
              .positional('user', { type: 'string', demandOption: true, describe: 'User name (the certificate CN; RBAC subjects name it)' })
              .option('group', { type: 'string', array: true, default: [], describe: 'A group the user belongs to (repeatable; the certificate O)' })
              .option('days', { type: 'number', default: 365, describe: 'How long the certificate is valid' })
              .option('server', { type: 'string', describe: 'API server URL written into the kubeconfig (default: the admin kubeconfig\'s)' })
              .option('output', { alias: 'o', type: 'string', describe: 'Write the kubeconfig to this file (mode 0600) instead of stdout' }),
          async (argv) => {
            const { createUserKubeconfig } = await import('./kubeconfig-command.js');
            process.exitCode = await createUserKubeconfig({
              dataDir: dataDirOf(argv),
              user: String(argv.user),
              groups: (argv.group as unknown[]).map(String),
              days: Number(argv.days),
              server: argv.server as string | undefined,
              output: argv.output as string | undefined,
            });
          },
        )
        .demandCommand(1, 'Name a kubeconfig command: lite kubeconfig create USER'),
    )
    .command('node', 'Manage node identities on this server', (y) =>
      withFlags(y, commonFlags)
        .command(
          'forget <name>',
          'Forget a node (its identity and Node object), so another machine may join under its name',
          (yy) => yy.positional('name', { type: 'string', demandOption: true, describe: 'Node name' }),
          async (argv) => {
            const { forgetNode } = await import('./node-command.js');
            process.exitCode = await forgetNode(dataDirOf(argv), String(argv.name));
          },
        )
        .demandCommand(1, 'Name a node command: lite node forget NAME'),
    )
    .command('images', 'Manage container images on this host', (y) =>
      y
        .command(
          'import <files..>',
          'Load image archives (docker save .tar/.tar.gz) into the local Docker engine, for pods without a registry',
          (yy) =>
            withFlags(yy.positional('files', { type: 'string', array: true, demandOption: true, describe: 'Archives to import' }), { 'docker-socket': nodeFlags['docker-socket'] }),
          async (argv) => {
            const { importImages } = await import('./images-command.js');
            process.exitCode = await importImages((argv.files as string[]).map(String), String(argv['docker-socket']));
          },
        )
        .demandCommand(1, 'Name an images command: lite images import FILE.tar'),
    )
    .command('kubectl', 'Run kubectl (the one on PATH) against this host\'s server: its admin kubeconfig unless KUBECONFIG or --kubeconfig names another')
    .demandCommand(1, 'Name a command: lite server, lite agent, lite kubectl, lite token, lite kubeconfig, lite node, lite images')
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
