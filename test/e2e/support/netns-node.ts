/**
 * A second machine for multi-node tests, on this host: a network namespace the test creates,
 * joined to the host by a veth pair (host side HOST_IP/24, namespace side NODE_IP/24, default
 * route via the host), with its own dockerd (data-root, exec-root, pidfile and socket under a
 * temp dir; no docker0). A `lite agent` run in the namespace (`netnsPrefix(node)`) is then a node
 * with its own addresses, iptables and Docker, as on another machine.
 *
 * `stop()` removes everything it made (containers, dockerd, namespace, veth, temp dir), also after
 * a failed start. Only the namespace and the links named here are touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram } from './kubectl.js';
import { eventually } from './wait.js';

export interface NetnsNode {
  readonly ns: string;
  readonly hostIf: string;
  readonly hostIp: string;
  readonly nodeIp: string;
  readonly dir: string;
  readonly dockerSocket: string;
  /** `docker -H unix://<socket> ARGS` */
  docker(args: readonly string[], timeoutMs?: number): ReturnType<typeof runProgram>;
  stop(): Promise<void>;
}

async function must(cmd: string, args: readonly string[]): Promise<string> {
  const r = await runProgram(cmd, args, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${r.command} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** An unused /24 of 192.168.0.0/16 on this host (checked against the host's routes). */
async function freeSubnet(): Promise<number> {
  const routes = await must('ip', ['-4', 'route', 'show']);
  for (let third = 231; third < 255; third++) if (!routes.includes(`192.168.${third}.`)) return third;
  throw new Error('no free 192.168.x.0/24 for the test link');
}

export async function startNetnsNode(tag: string): Promise<NetnsNode> {
  const id = `${process.pid.toString(36)}${tag}`.slice(-8);
  const ns = `lite-e2e-${id}`;
  const hostIf = `lh${id}`;
  const nsIf = `ln${id}`;
  const third = await freeSubnet();
  const hostIp = `192.168.${third}.1`;
  const nodeIp = `192.168.${third}.2`;
  const dir = mkdtempSync('/tmp/lmn-');
  const dockerSocket = join(dir, 'docker.sock');
  let dockerd: ChildProcess | undefined;
  const docker = (args: readonly string[], timeoutMs = 60_000) => runProgram('docker', ['-H', `unix://${dockerSocket}`, ...args], { timeoutMs });
  const stop = async () => {
    if (dockerd && dockerd.exitCode === null) {
      const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await docker(['rm', '-f', '-v', ...ids], 120_000);
      const exited = new Promise<void>((resolve) => dockerd?.once('exit', () => resolve()));
      dockerd.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (dockerd.exitCode === null) dockerd.kill('SIGKILL');
    }
    await runProgram('ip', ['netns', 'del', ns]);
    await runProgram('ip', ['link', 'del', hostIf]);
    // Mounts dockerd left (overlay2, netns files) would keep the directory busy.
    await runProgram('sh', ['-c', `grep -o " ${dir}/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await must('ip', ['netns', 'add', ns]);
    await must('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await must('ip', ['link', 'set', nsIf, 'netns', ns]);
    await must('ip', ['addr', 'add', `${hostIp}/24`, 'dev', hostIf]);
    await must('ip', ['link', 'set', hostIf, 'up']);
    await must('ip', ['-n', ns, 'addr', 'add', `${nodeIp}/24`, 'dev', nsIf]);
    await must('ip', ['-n', ns, 'link', 'set', nsIf, 'up']);
    await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await must('ip', ['-n', ns, 'route', 'add', 'default', 'via', hostIp]);
    const log = openSync(join(dir, 'dockerd.log'), 'a');
    // nsenter enters the network namespace only: `ip netns exec` also remounts /sys, which hides
    // the cgroup mounts dockerd needs.
    dockerd = spawn(
      'nsenter',
      [`--net=/var/run/netns/${ns}`, 'dockerd', '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid'), '-H', `unix://${dockerSocket}`, '--bridge', 'none', '--log-level', 'warn'],
      { stdio: ['ignore', log, log] },
    );
    await eventually(async () => (await docker(['info', '--format', '{{.ServerVersion}}'], 5000)).code === 0, { timeoutMs: 60_000, intervalMs: 250, what: `dockerd in ${ns} to answer` });
    return { ns, hostIf, hostIp, nodeIp, dir, dockerSocket, docker, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

/** Copies an image of the host's Docker into the node's (`docker save | docker load`). */
export async function copyImage(node: NetnsNode, image: string): Promise<void> {
  const r = await runProgram('sh', ['-c', `docker save ${image} | docker -H unix://${node.dockerSocket} load`], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`copying ${image} into ${node.ns}: ${r.stderr.trim()}`);
}

/** The command prefix that runs a program in the node's network namespace (and nothing else). */
export function netnsPrefix(node: NetnsNode): string[] {
  return ['nsenter', `--net=/var/run/netns/${node.ns}`];
}
