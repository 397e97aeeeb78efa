/**
 * What the kubelet hands the runtime for a pod: environment, command and args expansion, working
 * dir, resources, security context, ports, host network, hostname, /etc/hosts and DNS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../api/object.js';
import { resources } from '../client/client.js';
import type { SimBehaviourContext } from '../runtime/sim/sim-runtime.js';
import { boundPod, condition, containerStatus, NODE_IP, startHarness, statusOf, type Harness } from './testing/kubelet-harness.js';

async function logsOf(h: Harness, id: string): Promise<string> {
  let out = '';
  for await (const chunk of h.runtime.logs(id, { follow: false, timestamps: false })) out += Buffer.from(chunk).toString('utf8');
  return out;
}

async function containerLog(h: Harness, pod: string, container: string): Promise<string> {
  const id = String(containerStatus(await h.getPod(pod), container)?.containerID ?? '').replace('sim://', '');
  return id ? logsOf(h, id) : '';
}

describe('kubelet: container configuration', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('gives the container its env, expanded command and args, and working dir', async () => {
    const seen: SimBehaviourContext[] = [];
    h = await startHarness({ behaviour: (ctx) => void seen.push(ctx) });
    await h.api.client.create(resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { COLOR: 'blue' } });
    await h.createPod(
      boundPod('env', {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: 'lite-test/busybox:1',
            workingDir: '/tmp',
            command: ['sh', '-c'],
            args: ['echo "$(GREETING) $COLOR $MY_POD in $(PWD_VAR)"; pwd; echo "$POD_IP"'],
            env: [
              { name: 'GREETING', value: 'hello' },
              { name: 'PWD_VAR', value: 'somewhere' },
              { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
            envFrom: [{ configMapRef: { name: 'settings' } }],
          },
        ],
      }),
    );
    await h.until(async () => statusOf(await h.getPod('env')).phase === 'Succeeded', 'the pod to succeed', { stepMs: 1000 });
    const pod = await h.getPod('env');
    const log = await containerLog(h, 'env', 'main');
    expect(log).toBe(`hello blue env in somewhere\n/tmp\n${statusOf(pod).podIP as string}\n`);
    const cfg = seen.find((s) => s.container.name === 'main')?.container;
    expect(cfg?.command).toEqual(['sh', '-c']);
    expect(cfg?.workingDir).toBe('/tmp');
    expect(cfg?.env.find((e) => e.name === 'MY_POD')?.value).toBe('env');
    const cs = containerStatus(pod, 'main');
    expect((cs?.state as JsonObject).terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('maps resources and the security context, pod-level fields under container ones', async () => {
    const seen: SimBehaviourContext[] = [];
    h = await startHarness({ behaviour: (ctx) => void seen.push(ctx) });
    await h.createPod(
      boundPod('sec', {
        securityContext: { runAsUser: 1000, runAsGroup: 2000, supplementalGroups: [3000], fsGroup: 4000, sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65000' }] },
        containers: [
          {
            name: 'a',
            image: 'app:1',
            resources: { limits: { cpu: '1500m', memory: '256Mi' } },
            securityContext: { runAsUser: 1001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } },
          },
          { name: 'b', image: 'app:1', resources: { requests: { cpu: '100m' } }, securityContext: { privileged: true } },
        ],
      }),
    );
    await h.until(async () => statusOf(await h.getPod('sec')).phase === 'Running', 'Running');
    const a = seen.find((s) => s.container.name === 'a')?.container;
    const b = seen.find((s) => s.container.name === 'b')?.container;
    expect(a?.resources).toEqual({ cpuLimitMillis: 1500, cpuRequestMillis: 1500, memoryLimitBytes: 256 * 1024 * 1024 });
    expect(a?.security).toEqual({ runAsUser: 1001, runAsGroup: 2000, supplementalGroups: [3000, 4000], readOnlyRootFilesystem: true, capabilitiesAdd: ['NET_ADMIN'], capabilitiesDrop: ['ALL'], noNewPrivileges: true });
    expect(b?.resources).toEqual({ cpuRequestMillis: 100 });
    expect(b?.security).toMatchObject({ privileged: true, runAsUser: 1000 });
    expect(seen[0]?.sandbox.sysctls).toEqual({ 'net.ipv4.ip_local_port_range': '1024 65000' });
    expect(statusOf(await h.getPod('sec')).qosClass).toBe('Burstable');
  });

  it('refuses runAsNonRoot with runAsUser 0 as CreateContainerConfigError', async () => {
    h = await startHarness();
    await h.createPod(boundPod('root', { containers: [{ name: 'c', image: 'app:1', securityContext: { runAsNonRoot: true, runAsUser: 0 } }] }));
    await h.until(async () => ((containerStatus(await h.getPod('root'), 'c')?.state as JsonObject | undefined)?.waiting as JsonObject | undefined)?.reason === 'CreateContainerConfigError', 'CreateContainerConfigError');
    const w = (containerStatus(await h.getPod('root'), 'c')?.state as JsonObject).waiting as JsonObject;
    expect(w.message).toMatch(/^container's runAsUser breaks non-root policy \(pod: "root_default\(.+\)", container: c\)$/);
  });

  it('writes the managed /etc/hosts and hostname, and cluster DNS for ClusterFirst', async () => {
    const seen: SimBehaviourContext[] = [];
    h = await startHarness({ behaviour: (ctx) => void seen.push(ctx) });
    await h.createPod(
      boundPod('named', {
        hostname: 'db',
        subdomain: 'backend',
        hostAliases: [{ ip: '10.9.9.9', hostnames: ['legacy.local'] }],
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'lite-test/busybox:1', command: ['sh', '-c', 'cat /etc/hosts; hostname'], ports: [{ containerPort: 80, hostPort: 8080 }] }],
      }),
    );
    await h.until(async () => statusOf(await h.getPod('named')).phase === 'Succeeded', 'Succeeded', { stepMs: 1000 });
    const ip = statusOf(await h.getPod('named')).podIP as string;
    const log = await containerLog(h, 'named', 'c');
    expect(log).toContain(`${ip}\tdb.backend.default.svc.cluster.local\tdb\n`);
    expect(log).toContain('# Entries added by HostAliases.\n10.9.9.9\tlegacy.local\n');
    expect(log.endsWith('db\n')).toBe(true);
    const sb = seen[0]?.sandbox;
    expect(sb?.hostname).toBe('db');
    expect(sb?.dns).toEqual({ servers: ['10.43.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:5'] });
    expect(sb?.portMappings).toEqual([{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }]);
  });

  it('runs host-network pods on the node address with the node DNS', async () => {
    const seen: SimBehaviourContext[] = [];
    h = await startHarness({ behaviour: (ctx) => void seen.push(ctx) });
    await h.createPod(boundPod('hostnet', { hostNetwork: true, containers: [{ name: 'c', image: 'app:1' }] }));
    await h.until(async () => condition(await h.getPod('hostnet'), 'Ready')?.status === 'True', 'Ready');
    const st = statusOf(await h.getPod('hostnet'));
    expect(st.podIP).toBe(NODE_IP);
    expect(st.podIPs).toEqual([{ ip: NODE_IP }]);
    expect(seen[0]?.sandbox.hostNetwork).toBe(true);
    expect(seen[0]?.sandbox.dns).toBeUndefined();
  });
});
