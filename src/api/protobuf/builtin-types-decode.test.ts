/**
 * The captured kubectl bodies decoded with lite's real built-in type definitions (rather than the
 * test-only mirrors in testdata/fixture-types.ts): proves the definitions carry the right proto
 * numbers, pointer and omitempty facts for everything `kubectl create …`, `kubectl auth …` and
 * `kubectl debug --copy-to` send — the last one a full Pod with inline (embedded) structs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../schema/registry.js';
import { coreV1Types } from '../schema/types/core-v1.js';
import { groupTypes } from '../schema/types/groups.js';
import { metaV1Types } from '../schema/types/meta-v1.js';
import { decodeKubernetesProtobuf } from './decode-kubernetes-protobuf.js';

const testdata = new URL('./testdata/', import.meta.url);
const fixtures = JSON.parse(readFileSync(new URL('fixtures.json', testdata), 'utf8')) as { name: string; command: string }[];

describe('decodeKubernetesProtobuf with the built-in type definitions', () => {
  const registry = new SchemaRegistry([...metaV1Types, ...coreV1Types, ...groupTypes]);

  it.each(fixtures.map((f) => [f.name, f.command] as const))('%s', (name, command) => {
    const body = readFileSync(new URL(`${name}.pb`, testdata));
    const expected = JSON.parse(readFileSync(new URL(`${name}.json`, testdata), 'utf8')) as unknown;
    expect(decodeKubernetesProtobuf(body, registry), command).toEqual(expected);
  });
});
