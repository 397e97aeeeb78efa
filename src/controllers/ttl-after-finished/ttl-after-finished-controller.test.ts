import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { rfc3339, type KubeObject } from '../../api/object.js';
import { startTestApi, until, type TestApi } from '../testing/test-api.js';
import { jobsResource } from '../job/job-types.js';
import { TtlAfterFinishedController } from './ttl-after-finished-controller.js';

const NS = 'default';

function jobManifest(name: string, ttl?: number): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: { ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }), template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  };
}

describe('TtlAfterFinishedController', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startTestApi();
    void new TtlAfterFinishedController(api.context).run(api.signal);
  });
  afterEach(() => api.stop());

  const settle = async (turns = 200) => {
    for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  };
  const exists = async (name: string) => {
    try {
      await api.client.get(jobsResource, NS, name);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return false;
      throw e;
    }
  };
  const finish = async (name: string, type: 'Complete' | 'Failed') => {
    const ts = rfc3339(api.clock.now());
    const conditions =
      type === 'Complete'
        ? [
            { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: ts, lastTransitionTime: ts },
            { type: 'Complete', status: 'True', lastProbeTime: ts, lastTransitionTime: ts },
          ]
        : [
            { type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded', lastProbeTime: ts, lastTransitionTime: ts },
            { type: 'Failed', status: 'True', reason: 'DeadlineExceeded', lastProbeTime: ts, lastTransitionTime: ts },
          ];
    await api.client.patch(jobsResource, NS, name, 'merge', { status: { startTime: ts, conditions, ...(type === 'Complete' ? { completionTime: ts } : {}) } }, { subresource: 'status' });
  };

  it('deletes a finished Job ttlSecondsAfterFinished after it finished', async () => {
    await api.client.create(jobsResource, NS, jobManifest('done', 100));
    await api.client.create(jobsResource, NS, jobManifest('failed', 50));
    await api.client.create(jobsResource, NS, jobManifest('keep'));
    await finish('done', 'Complete');
    await finish('failed', 'Failed');
    await finish('keep', 'Complete');
    await settle();
    api.clock.advance(49_000);
    await settle();
    expect(await exists('failed')).toBe(true);
    api.clock.advance(1_000);
    await until(async () => !(await exists('failed')), 'failed Job deleted at 50 s');
    api.clock.advance(49_000);
    await settle();
    expect(await exists('done')).toBe(true);
    api.clock.advance(1_000);
    await until(async () => !(await exists('done')), 'complete Job deleted at 100 s');
    api.clock.advance(3_600_000);
    await settle();
    expect(await exists('keep')).toBe(true);
  });

  it('leaves running Jobs alone and deletes at once when the TTL is 0', async () => {
    await api.client.create(jobsResource, NS, jobManifest('now', 0));
    await settle();
    expect(await exists('now')).toBe(true);
    await finish('now', 'Complete');
    await until(async () => !(await exists('now')), 'deleted at once');
  });

  it('follows a TTL changed after the Job finished', async () => {
    await api.client.create(jobsResource, NS, jobManifest('edit', 3600));
    await finish('edit', 'Complete');
    await settle();
    api.clock.advance(60_000);
    await settle();
    expect(await exists('edit')).toBe(true);
    await api.client.patch(jobsResource, NS, 'edit', 'merge', { spec: { ttlSecondsAfterFinished: 30 } });
    await until(async () => !(await exists('edit')), 'deleted after the TTL was shortened');
  });
});
