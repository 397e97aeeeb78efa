/**
 * apiregistration.k8s.io/v1: APIService, kube-aggregator's type (k8s.io/kube-aggregator pkg/apis/apiregistration/v1).
 * Field facts (JSON names, proto numbers, pointer-ness, required-ness, patch and list metadata) follow Kubernetes 1.32
 * types.go and generated.proto; descriptions are lite's own words. Proto field 6 of APIServiceSpec is unused upstream
 * (a removed `priority`), so the numbers jump from 5 to 7.
 */
import type { TypeDef } from '../dsl.js';
import { bool, bytes, defineList, defineType, i32, list, objectMetaField, ref, str, time } from '../dsl.js';

export const APIREGISTRATION_PREFIX = 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.';
const apireg = (kind: string): string => APIREGISTRATION_PREFIX + kind;
const GV = { group: 'apiregistration.k8s.io', version: 'v1' } as const;

export const apiregistrationV1Types: readonly TypeDef[] = [
  defineType(apireg('APIService'), 'Registers who serves one API group version: this server itself, or a Service it proxies to. The name is "<version>.<group>".', {
    metadata: objectMetaField,
    spec: [2, ref(apireg('APIServiceSpec')), { doc: 'Where the group version is served and how it ranks in discovery.' }],
    status: [3, ref(apireg('APIServiceStatus')), { doc: 'Whether the group version is currently available.' }],
  }, { gvk: { ...GV, kind: 'APIService' } }),
  defineList(apireg('APIService'), { ...GV, kind: 'APIService' }),
  defineType(apireg('APIServiceSpec'), 'Where an API group version is served (only https to a Service) and its discovery priorities.', {
    // `json:"service"` without omitempty: an absent Service is written as null, and null means "served locally".
    service: [1, ref(apireg('ServiceReference')), {
      pointer: true, noOmitEmpty: true,
      doc: 'The Service that serves the group version; null when this API server serves it itself.',
    }],
    group: [2, str, { doc: 'The API group served, e.g. metrics.k8s.io; empty only for the core group (version v1).' }],
    version: [3, str, { doc: 'The API version served, e.g. v1beta1.' }],
    insecureSkipTLSVerify: [4, bool, { doc: "Skip verifying the Service's serving certificate; strongly discouraged, give caBundle instead." }],
    caBundle: [5, bytes, {
      doc: "PEM CA certificates that sign the Service's serving certificate, base64 in JSON; the API server's own trust roots when empty.",
    }],
    groupPriorityMinimum: [7, i32, {
      required: true, noOmitEmpty: true,
      doc: 'Lowest priority of the group in discovery (1 to 20000); the highest value among its versions wins, higher groups are listed first.',
    }],
    versionPriority: [8, i32, {
      required: true, noOmitEmpty: true,
      doc: 'Rank of this version within its group (1 to 1000), higher first; ties fall back to Kubernetes version ordering.',
    }],
  }),
  defineType(apireg('ServiceReference'), 'A Service that serves an aggregated API.', {
    namespace: [1, str, { doc: 'Namespace of the Service.' }],
    name: [2, str, { doc: 'Name of the Service.' }],
    port: [3, i32, { pointer: true, doc: 'Port of the Service, 1 to 65535; defaults to 443.' }],
  }),
  defineType(apireg('APIServiceStatus'), 'Observed state of an APIService.', {
    conditions: [1, list(ref(apireg('APIServiceCondition'))), {
      patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'],
      doc: 'Latest observations, e.g. Available.',
    }],
  }),
  defineType(apireg('APIServiceCondition'), 'One observation about an APIService.', {
    type: [1, str, { required: true, noOmitEmpty: true, doc: 'Kind of condition, e.g. Available.' }],
    status: [2, str, { required: true, noOmitEmpty: true, doc: 'True, False or Unknown.' }],
    lastTransitionTime: [3, time, { doc: 'When status last changed value.' }],
    reason: [4, str, { doc: 'Machine-readable CamelCase cause of the last transition.' }],
    message: [5, str, { doc: 'Human-readable explanation of the last transition.' }],
  }),
];
