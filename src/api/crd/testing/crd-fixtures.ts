/**
 * Realistic CRDs shared by this folder's unit tests (test support only, excluded from the build;
 * nothing in the server imports this module).
 */
import type { JsonObject, KubeObject } from '../../object.js';

export { render } from '../../validation/testing/validation-harness.js';

/** The CronTab CRD from the Kubernetes documentation ("Extend the Kubernetes API with CustomResourceDefinitions"). */
export function cronTabCrd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    cronSpec: { type: 'string' },
                    image: { type: 'string' },
                    replicas: { type: 'integer' },
                  },
                },
              },
            },
          },
        },
      ],
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
    },
  };
}

/** The schema of a "Widget" with status and scale subresources, printer columns and many rules. */
export function widgetSchema(): JsonObject {
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['size'],
        properties: {
          size: { type: 'string', enum: ['small', 'medium', 'large'] },
          color: { type: 'string', enum: ['red', 'green'], default: 'red' },
          replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
          ratio: { type: 'number', exclusiveMinimum: true, minimum: 0, multipleOf: 0.5 },
          name: { type: 'string', minLength: 3, maxLength: 8, pattern: '^[a-z]+$' },
          email: { type: 'string', format: 'email' },
          startedAt: { type: 'string', format: 'date-time' },
          window: { type: 'string', format: 'int32' },
          port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
          note: { type: 'string', nullable: true },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 3, 'x-kubernetes-list-type': 'set' },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: {
              type: 'object',
              required: ['name'],
              properties: {
                name: { type: 'string' },
                port: { type: 'integer' },
                protocol: { type: 'string', default: 'TCP' },
              },
            },
          },
          labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2 },
          matrix: { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
          config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { mode: { type: 'string', default: 'auto' } } },
          template: {
            type: 'object',
            'x-kubernetes-embedded-resource': true,
            'x-kubernetes-preserve-unknown-fields': true,
          },
          limits: {
            type: 'object',
            default: {},
            properties: { cpu: { type: 'string', default: '100m' }, memory: { type: 'string' } },
          },
        },
      },
      status: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', minimum: 0 },
          selector: { type: 'string' },
          phase: { type: 'string', enum: ['Pending', 'Running'] },
        },
      },
    },
  };
}

export function widgetCrd(): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: widgetSchema() },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
          },
          additionalPrinterColumns: [
            { name: 'Size', type: 'string', jsonPath: '.spec.size' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          selectableFields: [{ jsonPath: '.spec.size' }],
        },
      ],
    },
  };
}

/** A widget that passes validation. */
export function goodWidget(): JsonObject {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', namespace: 'default' },
    spec: {
      size: 'small',
      replicas: 3,
      ratio: 1.5,
      name: 'abc',
      email: 'ops@example.com',
      startedAt: '2024-05-01T10:00:00Z',
      port: 'http',
      note: null,
      tags: ['a', 'b'],
      ports: [
        { name: 'http', port: 80 },
        { name: 'https', port: 443 },
      ],
      labels: { a: 'b' },
      matrix: [[1, 2], [3]],
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} },
    },
  };
}
