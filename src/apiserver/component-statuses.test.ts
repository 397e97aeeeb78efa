import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { COMPONENT_STATUS_DEPRECATION, ComponentLoop, componentStatusReader, type ComponentProbe } from './component-statuses.js';
import type { ResourceRequest } from './resource-handler.js';

function request(): { req: ResourceRequest; warnings: string[] } {
  const warnings: string[] = [];
  return { req: { ctx: { warnings } } as unknown as ResourceRequest, warnings };
}

const healthy = (name: string): ComponentProbe => ({ name, check: async () => ({ status: 'True', message: 'ok' }) });

describe('componentStatusReader', () => {
  it('lists every component with its Healthy condition, in probe order, and warns of the deprecation', async () => {
    const { req, warnings } = request();
    const reader = componentStatusReader([healthy('scheduler'), healthy('etcd-0')]);
    const items = await reader.list(req);
    expect(items.map((i) => i.metadata.name)).toEqual(['scheduler', 'etcd-0']);
    expect(items[0]).toEqual({ metadata: { name: 'scheduler', creationTimestamp: null }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
    expect(warnings).toEqual([COMPONENT_STATUS_DEPRECATION]);
  });

  it('reports a probe that throws as Unknown with its error', async () => {
    const { req } = request();
    const reader = componentStatusReader([{ name: 'etcd-0', check: async () => Promise.reject(new Error('database is locked')) }]);
    const cs = await reader.get(req, 'etcd-0');
    expect(cs.conditions).toEqual([{ type: 'Healthy', status: 'Unknown', error: 'database is locked' }]);
  });

  it('answers 404 for a component it does not know, naming it as upstream does', async () => {
    const { req } = request();
    const err = await componentStatusReader([healthy('scheduler')]).get(req, 'kubelet').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(404);
    expect((err as ApiError).message).toBe('componentstatus "kubelet" not found');
  });
});

describe('ComponentLoop', () => {
  it('is healthy while its loop runs and unhealthy, with the reason, once it failed', async () => {
    let fail: (e: Error) => void = () => undefined;
    const loop = new ComponentLoop(new Promise<void>((_, reject) => (fail = reject)));
    expect(loop.health('scheduler')).toEqual({ status: 'True', message: 'ok' });
    fail(new Error('lost its informers'));
    await new Promise((r) => setImmediate(r));
    expect(loop.health('scheduler')).toEqual({ status: 'False', message: '', error: 'the scheduler stopped: lost its informers' });
  });

  it('is unhealthy once its loop has ended', async () => {
    const loop = new ComponentLoop(Promise.resolve());
    await new Promise((r) => setImmediate(r));
    expect(loop.health('controller-manager').status).toBe('False');
  });
});
