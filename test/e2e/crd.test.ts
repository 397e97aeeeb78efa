/**
 * CustomResourceDefinitions as users use them (acceptance item 5): a CRD with a structural schema,
 * printer columns, status and scale subresources; its objects created, listed, watched, patched,
 * scaled, validated (422 with field messages) and deleted; deleting the CRD removes its objects
 * and its API.
 *
 * Each test installs its own copy of test/fixtures/e2e/crd-widgets.yaml under a distinct group and
 * kind, so tests do not share CRDs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseTable, scratchDir, uniqueName, useCluster } from './support/cluster.js';
import { describeResult } from './support/kubectl.js';
import { AdminHttpsClient } from './support/https-client.js';
import { REPO_ROOT } from './support/lite-process.js';

const ctx = useCluster();

const CRD = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'e2e', 'crd-widgets.yaml'), 'utf8');
const OBJECTS = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'e2e', 'widgets.yaml'), 'utf8');

interface Names {
  readonly group: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly short: string;
}

const FIXTURE: Names = { group: 'example.com', plural: 'widgets', singular: 'widget', kind: 'Widget', short: 'wg' };

/** The fixture text with the fixture's names replaced by `n`. */
function rename(text: string, n: Names): string {
  return text
    .replaceAll('example.com', n.group)
    .replace(/\bwidgets\b/g, n.plural)
    .replace(/\bwidget\b/g, n.singular)
    .replace(/\bWidgetList\b/g, `${n.kind}List`)
    .replace(/\bWidget\b/g, n.kind)
    .replace(/\bwg\b/g, n.short);
}

function namesFor(prefix: string): Names {
  const id = uniqueName(prefix);
  const word = id.replace(/[^a-z0-9]/g, '');
  return { group: `${id}.example.com`, plural: `${word}s`, singular: word, kind: word[0].toUpperCase() + word.slice(1), short: `s${word.slice(-6)}` };
}

/** Installs the CRD under `n` and waits until it is Established. Returns the CRD's name. */
async function installCrd(n: Names): Promise<string> {
  const name = `${n.plural}.${n.group}`;
  const file = join(scratchDir(ctx, 'crd'), 'crd.yaml');
  writeFileSync(file, rename(CRD, n));
  expect(await ctx.kubectl.ok(['apply', '-f', file])).toBe(`customresourcedefinition.apiextensions.k8s.io/${name} created\n`);
  expect(await ctx.kubectl.ok(['wait', '--for=condition=Established', `crd/${name}`, '--timeout=30s'])).toBe(`customresourcedefinition.apiextensions.k8s.io/${name} condition met\n`);
  return name;
}

async function createObjects(n: Names, ns: string): Promise<void> {
  const out = await ctx.kubectl.ok(['apply', '-n', ns, '-f', '-'], { input: rename(OBJECTS, n) });
  expect(out).toBe(`${n.singular}.${n.group}/alpha created\n${n.singular}.${n.group}/beta created\n`);
}

describe('a CustomResourceDefinition and its objects', () => {
  test('apply, Established, discovery, explain, printer columns, get/patch/label/scale/status', async () => {
    const n = FIXTURE;
    const crdName = await installCrd(n);
    expect(await ctx.kubectl.ok(['get', 'crd', crdName, '-o', 'jsonpath={.status.acceptedNames.kind} {.status.storedVersions}'])).toBe('Widget ["v1"]');

    const resources = parseTable(await ctx.kubectl.ok(['api-resources', '--api-group=example.com']));
    expect(resources).toEqual([{ NAME: 'widgets', SHORTNAMES: 'wg', APIVERSION: 'example.com/v1', NAMESPACED: 'true', KIND: 'Widget' }]);
    const explain = await ctx.kubectl.ok(['explain', 'widgets.spec']);
    expect(explain).toMatch(/^ {2}color\t<string> -required-$/m);
    expect(explain).toMatch(/^ {2}replicas\t<integer>$/m);

    const ns = uniqueName('crd');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await createObjects(n, ns);

    // The additionalPrinterColumns, by plural, singular, short name and fully qualified name.
    const rows = parseTable(await ctx.kubectl.ok(['get', 'widgets', '-n', ns]));
    expect(rows.map(({ AGE, ...rest }) => ({ ...rest, AGE: /^\d+s$/.test(AGE) }))).toEqual([
      { NAME: 'alpha', COLOR: 'red', REPLICAS: '1', AGE: true },
      { NAME: 'beta', COLOR: 'blue', REPLICAS: '3', AGE: true },
    ]);
    for (const resource of ['widget', 'wg', 'widgets.example.com', 'widgets.v1.example.com']) {
      expect(await ctx.kubectl.ok(['get', resource, '-n', ns, '-o', 'name'])).toBe('widget.example.com/alpha\nwidget.example.com/beta\n');
    }
    expect(parseTable(await ctx.kubectl.ok(['get', 'wg', 'beta', '-n', ns, '-o', 'wide']))[0]).toMatchObject({ NAME: 'beta', COLOR: 'blue', REPLICAS: '3' });
    expect(await ctx.kubectl.ok(['get', 'widgets', '-n', ns, '-l', 'size=large', '-o', 'name'])).toBe('widget.example.com/beta\n');
    expect(await ctx.kubectl.ok(['get', 'widgets', '-n', ns, '--field-selector', 'metadata.name=alpha', '-o', 'name'])).toBe('widget.example.com/alpha\n');
    const all = parseTable(await ctx.kubectl.ok(['get', 'widgets', '-A']));
    expect(all.filter((r) => r.NAMESPACE === ns).map((r) => r.NAME)).toEqual(['alpha', 'beta']);
    // The CRD is in category "all".
    expect(await ctx.kubectl.ok(['get', 'all', '-n', ns, '-o', 'name'])).toContain('widget.example.com/alpha\n');

    const obj = JSON.parse(await ctx.kubectl.ok(['get', 'widget', 'alpha', '-n', ns, '-o', 'json'])) as { apiVersion: string; kind: string; metadata: { generation: number; uid: string }; spec: Record<string, unknown> };
    expect(obj).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', spec: { color: 'red', replicas: 1 } });
    expect(obj.metadata.generation).toBe(1);

    // kubectl patch of a custom resource: merge and JSON patches work; strategic merge is refused (as upstream).
    expect(await ctx.kubectl.ok(['patch', 'widget', 'alpha', '-n', ns, '--type=merge', '-p', '{"spec":{"color":"green"}}'])).toBe('widget.example.com/alpha patched\n');
    expect(await ctx.kubectl.ok(['patch', 'widget', 'alpha', '-n', ns, '--type=json', '-p', '[{"op":"add","path":"/spec/size","value":"xs"}]'])).toBe('widget.example.com/alpha patched\n');
    const smp = await ctx.kubectl.fails(['patch', 'widget', 'alpha', '-n', ns, '-p', '{"spec":{"color":"blue"}}']);
    expect(smp.stderr).toBe(
      'error: application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml\n',
    );
    expect(await ctx.kubectl.ok(['label', 'widget', 'alpha', '-n', ns, 'tier=gold'])).toBe('widget.example.com/alpha labeled\n');
    const patched = parseTable(await ctx.kubectl.ok(['get', 'widget', 'alpha', '-n', ns, '--show-labels']))[0];
    expect(patched).toMatchObject({ COLOR: 'green', LABELS: 'size=small,tier=gold' });
    expect(await ctx.kubectl.ok(['get', 'widget', 'alpha', '-n', ns, '-o', 'jsonpath={.metadata.generation}'])).toBe('3');

    // The scale subresource.
    expect(await ctx.kubectl.ok(['scale', 'widget', 'alpha', '-n', ns, '--replicas=4'])).toBe('widget.example.com/alpha scaled\n');
    expect(await ctx.kubectl.ok(['get', 'widget', 'alpha', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).toBe('4');
    const scale = JSON.parse(await ctx.kubectl.ok(['get', '--raw', `/apis/example.com/v1/namespaces/${ns}/widgets/alpha/scale`])) as { kind: string; apiVersion: string; spec: { replicas: number } };
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 } });
    const tooMany = await ctx.kubectl.fails(['scale', 'widget', 'alpha', '-n', ns, '--replicas=11']);
    expect(tooMany.stderr).toContain('spec.replicas');

    // The status subresource: status changes only through it; spec changes do not touch status.
    expect(await ctx.kubectl.ok(['patch', 'widget', 'alpha', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":4}}'])).toBe('widget.example.com/alpha patched\n');
    expect(await ctx.kubectl.ok(['patch', 'widget', 'alpha', '-n', ns, '--type=merge', '-p', '{"status":{"replicas":99}}'])).toBe('widget.example.com/alpha patched (no change)\n');
    expect(await ctx.kubectl.ok(['get', 'widget', 'alpha', '-n', ns, '-o', 'jsonpath={.status.replicas}'])).toBe('4');

    // describe works on custom resources too.
    const described = await ctx.kubectl.ok(['describe', 'widget', 'alpha', '-n', ns]);
    expect(described).toMatch(/^Name: +alpha$/m);
    expect(described).toMatch(/^API Version: +example\.com\/v1$/m);
    expect(described).toMatch(/^Kind: +Widget$/m);

    expect(await ctx.kubectl.ok(['delete', 'widget', 'alpha', 'beta', '-n', ns])).toBe('widget.example.com "alpha" deleted\nwidget.example.com "beta" deleted\n');
    const none = await ctx.kubectl.run(['get', 'widgets', '-n', ns]);
    expect(none.stderr).toBe(`No resources found in ${ns} namespace.\n`);
    // Clean-up only (what deletion does is the subject of its own test).
    await ctx.kubectl.ok(['delete', 'crd', crdName, '--wait=false']);
  });

  test('objects violating the schema are refused with 422 and the field messages; unknown fields with Strict validation', async () => {
    const n = namesFor('schema');
    const crdName = await installCrd(n);
    const ns = uniqueName('schema');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const bad = `apiVersion: ${n.group}/v1\nkind: ${n.kind}\nmetadata:\n  name: bad\nspec:\n  color: purple\n  replicas: 20\n  size: enormous\n`;
    const r = await ctx.kubectl.fails(['apply', '-n', ns, '-f', '-'], { input: bad });
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`The ${n.kind} "bad" is invalid: `);
    expect(lines).toHaveLength(4);
    expect(lines).toContain('* spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"');
    expect(lines).toContain('* spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10');
    expect(lines.some((l) => /^\* spec\.size: Too long: may not be (longer|more) than 5( bytes)?$/.test(l)), r.stderr).toBe(true);

    const missing = await ctx.kubectl.fails(['create', '-n', ns, '-f', '-'], { input: `apiVersion: ${n.group}/v1\nkind: ${n.kind}\nmetadata:\n  name: bad\nspec:\n  replicas: -1\n` });
    expect(missing.stderr).toContain('* spec.color: Required value');
    expect(missing.stderr).toContain('* spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0');

    const typed = await ctx.kubectl.fails(['create', '-n', ns, '-f', '-'], { input: `apiVersion: ${n.group}/v1\nkind: ${n.kind}\nmetadata:\n  name: bad\nspec:\n  color: red\n  replicas: three\n` });
    expect(typed.stderr).toContain('spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');

    // The wire answer: 422, reason Invalid, one cause per field.
    const client = new AdminHttpsClient(ctx.server.credentials());
    try {
      const res = await client.json<{ code: number; reason: string; details: { kind: string; name: string; causes: { reason: string; field: string }[] } }>({
        method: 'POST',
        path: `/apis/${n.group}/v1/namespaces/${ns}/${n.plural}`,
        body: JSON.stringify({ apiVersion: `${n.group}/v1`, kind: n.kind, metadata: { name: 'bad' }, spec: { color: 'purple', replicas: 20 } }),
      });
      expect(res.status).toBe(422);
      expect(res.body.reason).toBe('Invalid');
      expect(res.body.details.kind).toBe(n.kind);
      expect(res.body.details.causes.map((c) => `${c.reason} ${c.field}`).sort()).toEqual(['FieldValueInvalid spec.replicas', 'FieldValueNotSupported spec.color']);
    } finally {
      client.close();
    }

    // kubectl sends fieldValidation=Strict: an unknown field is an error (BadRequest), unless --validate=false.
    const unknown = `apiVersion: ${n.group}/v1\nkind: ${n.kind}\nmetadata:\n  name: extra\nspec:\n  color: red\n  unknown: 1\n`;
    const strict = await ctx.kubectl.fails(['apply', '-n', ns, '-f', '-'], { input: unknown });
    expect(strict.stderr).toBe(`Error from server (BadRequest): error when creating "STDIN": ${n.kind} in version "v1" cannot be handled as a ${n.kind}: strict decoding error: unknown field "spec.unknown"\n`);
    expect(await ctx.kubectl.ok(['apply', '-n', ns, '-f', '-', '--validate=false'], { input: unknown })).toBe(`${n.singular}.${n.group}/extra created\n`);
    // Unknown fields are pruned.
    expect(await ctx.kubectl.ok(['get', `${n.plural}.${n.group}`, 'extra', '-n', ns, '-o', 'jsonpath={.spec}'])).toBe('{"color":"red"}');

    expect(await ctx.kubectl.run(['get', `${n.plural}.${n.group}`, 'bad', '-n', ns])).toMatchObject({ code: 1 });
    // Clean-up only (what deletion does is the subject of its own test).
    await ctx.kubectl.ok(['delete', 'crd', crdName, '--wait=false']);
  });

  test('watching custom objects: ADDED, MODIFIED, DELETED', async () => {
    const n = namesFor('watchcr');
    const crdName = await installCrd(n);
    const ns = uniqueName('watchcr');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    const resource = `${n.plural}.${n.group}`;
    const w = ctx.kubectl.start(['get', resource, '-n', ns, '-w', '--output-watch-events']);
    try {
      // An empty list prints nothing: make sure the watch is open by waiting for the first object.
      await createObjects(n, ns);
      await w.waitForLine(/^ADDED\s+beta\s+blue\s+3\s/);
      await ctx.kubectl.ok(['patch', resource, 'beta', '-n', ns, '--type=merge', '-p', '{"spec":{"color":"red"}}']);
      await w.waitForLine(/^MODIFIED\s+beta\s+red\s+3\s/);
      await ctx.kubectl.ok(['delete', resource, 'beta', '-n', ns]);
      await w.waitForLine(/^DELETED\s+beta\s/);
      expect(w.lines()[0]).toMatch(/^EVENT\s+NAME\s+COLOR\s+REPLICAS\s+AGE$/);
      expect(w.stderr).toBe('');
    } finally {
      await w.stop();
    }
    // Clean-up only (what deletion does is the subject of its own test).
    await ctx.kubectl.ok(['delete', 'crd', crdName, '--wait=false']);
  });

  test('deleting the CRD deletes its objects and removes its API', async () => {
    const n = namesFor('gone');
    const crdName = await installCrd(n);
    const ns = uniqueName('gone');
    await ctx.kubectl.ok(['create', 'namespace', ns]);
    await createObjects(n, ns);
    const resource = `${n.plural}.${n.group}`;
    expect(await ctx.kubectl.ok(['get', resource, '-n', ns, '-o', 'name'])).toBe(`${n.singular}.${n.group}/alpha\n${n.singular}.${n.group}/beta\n`);

    // kubectl waits for the deletion (the CRD's cleanup finalizer deletes the objects first).
    const del = await ctx.kubectl.run(['delete', 'crd', crdName, '--timeout=30s'], { timeoutMs: 45_000 });
    expect(del.code, describeResult(del)).toBe(0);
    expect(del.stderr).toBe('');
    expect(del.stdout).toBe(`customresourcedefinition.apiextensions.k8s.io "${crdName}" deleted\n`);

    const crdGone = await ctx.kubectl.fails(['get', 'crd', crdName]);
    expect(crdGone.stderr).toBe(`Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "${crdName}" not found\n`);
    const api = await ctx.kubectl.fails(['get', '--raw', `/apis/${n.group}/v1/namespaces/${ns}/${n.plural}`]);
    expect(api.stderr).toBe('Error from server (NotFound): the server could not find the requested resource\n');
    expect(await ctx.kubectl.ok(['api-versions'])).not.toContain(`${n.group}/v1`);
    expect(await ctx.kubectl.ok(['api-resources', '-o', 'name'])).not.toContain(resource);

    // Re-created, the CRD starts empty: the old objects were deleted, not hidden.
    await installCrd(n);
    const empty = await ctx.kubectl.run(['get', resource, '-n', ns]);
    expect(empty.code, describeResult(empty)).toBe(0);
    expect(empty.stderr).toBe(`No resources found in ${ns} namespace.\n`);
    // Clean-up only (what deletion does is the subject of its own test).
    await ctx.kubectl.ok(['delete', 'crd', crdName, '--wait=false']);
  });

  test('a CRD with a non-structural schema or a wrong name is refused', async () => {
    const n = namesFor('badcrd');
    const nonStructural = rename(CRD, n).replace('            spec:\n              type: object\n', '            spec:\n');
    expect(nonStructural).not.toBe(rename(CRD, n));
    const r = await ctx.kubectl.fails(['apply', '-f', '-'], { input: nonStructural });
    expect(r.stderr).toBe(
      `The CustomResourceDefinition "${n.plural}.${n.group}" is invalid: spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields\n`,
    );
    const wrongName = rename(CRD, n).replace(`name: ${n.plural}.${n.group}`, `name: other.${n.group}`);
    const w = await ctx.kubectl.fails(['apply', '-f', '-'], { input: wrongName });
    expect(w.stderr).toBe(`The CustomResourceDefinition "other.${n.group}" is invalid: metadata.name: Invalid value: "other.${n.group}": must be spec.names.plural+"."+spec.group\n`);
  });
});
