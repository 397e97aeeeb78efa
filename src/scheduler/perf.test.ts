import { it } from 'vitest';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { resources } from '../client/client.js';
import { startTestApi } from '../controllers/testing/test-api.js';
import { Scheduler } from './scheduler.js';
import { makeNode, makePod } from './testing/fixtures.js';
import { systemClock } from '../util/clock.js';

it('perf', async () => {
  const api = await startTestApi();
  const NODES = Number(process.env.NODES ?? 5000);
  const PODS = Number(process.env.PODS ?? 5000);
  let t = Date.now();
  for (let i = 0; i < NODES; i++) {
    const n = makeNode(`node-${i}`, { cpu: '32', memory: '128Gi', labels: { 'topology.kubernetes.io/zone': `z${i % 3}` } });
    delete n.metadata.uid;
    const c = await api.client.create(resources.nodes, undefined, n);
    await api.client.update(resources.nodes, undefined, { ...c, status: n.status }, { subresource: 'status' });
  }
  console.log('nodes created', Date.now() - t);
  const s = new Scheduler(api.context, { leaderElection: false });
  if (!process.env.PRECREATE) {
    void s.run(api.signal);
    while (s.stats().nodes < NODES) await new Promise((r) => setTimeout(r, 10));
  }
  const session = new Session();
  session.connect();
  t = Date.now();
  const creates: Promise<unknown>[] = [];
  for (let i = 0; i < PODS; i++) {
    const p = makePod(`p-${i}`, { cpu: '100m', memory: '128Mi' });
    delete p.metadata.uid;
    delete p.metadata.creationTimestamp;
    creates.push(api.client.create(resources.pods, 'default', p));
    if (creates.length >= 200) await Promise.all(creates.splice(0));
  }
  await Promise.all(creates);
  const created = Date.now() - t;
  console.log('pods created', created);
  if (process.env.PRECREATE) {
    while (s.stats().queue.active < PODS) await new Promise((r) => setTimeout(r, 10));
    if (process.env.PROF) { await session.post('Profiler.enable'); await session.post('Profiler.start'); }
    t = Date.now();
    void s.run(api.signal);
  }
  while (s.stats().scheduled < PODS) await new Promise((r) => setTimeout(r, 10));
  const el = Date.now() - t;
  console.log('all scheduled', el, 'ms', Math.round((PODS / el) * 1000), 'pods/s', JSON.stringify(s.stats()));
  if (process.env.PROF) { const { profile } = await session.post('Profiler.stop'); writeFileSync('/tmp/sched.cpuprofile', JSON.stringify(profile)); }
  const mem = process.memoryUsage();
  console.log('rss MB', Math.round(mem.rss / 1e6), 'heap MB', Math.round(mem.heapUsed / 1e6));
  void systemClock;
  await api.stop();
}, 600_000);
