/**
 * `lite kubectl ARGS…`: the real kubectl, pointed at this host's lite server, as `k3s kubectl` is.
 *
 * lite is TypeScript and cannot embed kubectl's Go code, so it runs the kubectl found on PATH
 * (or named by LITE_KUBECTL) with the arguments untouched, stdio inherited (so `-it` sessions
 * work), and returns its exit code. What it adds is k3s' convenience: when neither KUBECONFIG
 * nor --kubeconfig says otherwise, the admin kubeconfig the server wrote is used, so
 * `lite kubectl get nodes` works right after `lite server` without any set-up.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { homedir, constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where a server on this host writes its admin kubeconfig, most specific first. */
export function kubeconfigCandidates(env: NodeJS.ProcessEnv, isRoot: boolean, home: string): string[] {
  const out: string[] = [];
  if (env.LITE_WRITE_KUBECONFIG) out.push(env.LITE_WRITE_KUBECONFIG);
  const dataDir = env.LITE_DATA_DIR || (isRoot ? '/var/lib/lite' : join(home, '.lite'));
  out.push(join(dataDir, 'kubeconfig.yaml'));
  // A user's own server writes to ~/.lite; a system-wide one (run as root) to /var/lib/lite.
  if (!isRoot && !env.LITE_DATA_DIR) out.push('/var/lib/lite/kubeconfig.yaml');
  return out;
}

/** The kubeconfig kubectl is told to use: KUBECONFIG or --kubeconfig win, as in k3s. */
export function namesKubeconfig(args: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env.KUBECONFIG) return true;
  return args.some((a) => a === '--kubeconfig' || a.startsWith('--kubeconfig='));
}

export type Probe = (path: string) => 'readable' | 'unreadable' | 'missing';

export function probeFile(path: string): ReturnType<Probe> {
  try {
    if (!statSync(path).isFile()) return 'missing';
  } catch {
    return 'missing';
  }
  try {
    accessSync(path, constants.R_OK);
    return 'readable';
  } catch {
    return 'unreadable';
  }
}

export interface KubeconfigChoice {
  /** Set KUBECONFIG to this; undefined leaves kubectl to its own default (~/.kube/config). */
  readonly kubeconfig?: string;
  /** Said on stderr before kubectl runs. */
  readonly warning?: string;
}

export function chooseKubeconfig(candidates: readonly string[], probe: Probe): KubeconfigChoice {
  let unreadable: string | undefined;
  for (const path of candidates) {
    const state = probe(path);
    if (state === 'readable') return { kubeconfig: path };
    if (state === 'unreadable') unreadable ??= path;
  }
  if (unreadable) {
    return {
      warning: `lite kubectl: cannot read ${unreadable}; run as its owner (sudo), or start the server with --write-kubeconfig-mode 644 (or --write-kubeconfig to a file of yours)`,
    };
  }
  return {};
}

/** The kubectl to run: LITE_KUBECTL, else the first executable `kubectl` on PATH. */
export function findKubectl(env: NodeJS.ProcessEnv, isExecutable: (path: string) => boolean): string | undefined {
  if (env.LITE_KUBECTL) return env.LITE_KUBECTL;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'kubectl');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Runs kubectl; resolves with the exit code lite should exit with. */
export async function runKubectl(args: readonly string[]): Promise<number> {
  const env = { ...process.env };
  const kubectl = findKubectl(env, isExecutableFile);
  if (!kubectl) {
    process.stderr.write(
      'lite kubectl: no kubectl found on PATH. lite drives the real kubectl: install it (https://kubernetes.io/docs/tasks/tools/), or name it with LITE_KUBECTL=/path/to/kubectl\n',
    );
    return 1;
  }
  if (!namesKubeconfig(args, env)) {
    const choice = chooseKubeconfig(kubeconfigCandidates(env, process.getuid?.() === 0, homedir()), probeFile);
    if (choice.warning) process.stderr.write(`${choice.warning}\n`);
    if (choice.kubeconfig) env.KUBECONFIG = choice.kubeconfig;
  }
  const child = spawn(kubectl, [...args], { stdio: 'inherit', env });
  // A terminal's Ctrl-C reaches kubectl itself (same process group); a signal sent to lite alone
  // is passed on, and lite waits for kubectl to end either way.
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  try {
    return await new Promise<number>((resolve) => {
      child.once('error', (err) => {
        process.stderr.write(`lite kubectl: cannot run ${kubectl}: ${err.message}\n`);
        resolve(1);
      });
      child.once('exit', (code, signal) => {
        if (code !== null) resolve(code);
        else resolve(128 + (signal ? (osConstants.signals[signal] ?? 0) : 0));
      });
    });
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  }
}
