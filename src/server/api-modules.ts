/**
 * Binds the api/ modules (schemas, strategies, printers, selectors, patch engines, protobuf,
 * field validation) into the ApiModules the wiring needs. The one place that knows which module
 * provides what.
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceDef, Strategy } from '../api/resource.js';
import { customResourceDefinitionStrategy } from '../api/crd/index.js';
import { PatchEngine } from '../api/patch/index.js';
import { builtinTablePrinters } from '../api/printers/index.js';
import { kindKey } from '../api/printers/kind-key.js';
import { decodeKubernetesProtobuf } from '../api/protobuf/decode-kubernetes-protobuf.js';
import { normalizeObject } from '../api/schema/prune-fields.js';
import { SchemaRegistry } from '../api/schema/registry.js';
import { checkFields, fieldValidationOutcome } from '../api/schema/strict-fields.js';
import { coreV1Types } from '../api/schema/types/core-v1.js';
import { groupTypes } from '../api/schema/types/groups.js';
import { metaV1Types } from '../api/schema/types/meta-v1.js';
import {
  builtinSelectableFields,
  convertFieldSelector,
  crdFieldLabelRule,
  defaultFieldLabelRule,
  fieldLabelRuleFor,
  labelSelectorFromObject,
  parseFieldSelector,
  parseLabelSelector,
} from '../api/selectors/index.js';
import { createBuiltinStrategies, nameRuleFor, validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/index.js';
import type { SelectorParsers } from '../apiserver/resource-handler.js';
import type { FieldLabelRule } from '../api/resource.js';
import type { FieldMatcher, LabelMatcher } from '../registry/resource-store.js';
import type { ApiModules } from './resource-wiring.js';

export interface LoadedApiModules extends ApiModules {
  readonly schemas: SchemaRegistry;
  readonly decodeProtobuf: (body: Uint8Array) => KubeObject;
  /** metav1.LabelSelector object → matcher; undefined/null → matches nothing. */
  readonly labelSelectorFromObject: (selector: unknown) => LabelMatcher | undefined;
}

const selectors: SelectorParsers = {
  label: (s) => parseLabelSelector(s),
  field(s: string, rule: FieldLabelRule | undefined): FieldMatcher {
    const parsed = convertFieldSelector(parseFieldSelector(s), rule ?? defaultFieldLabelRule);
    const exact = parsed.requiresExactMatch('metadata.name');
    return { matches: (fields) => parsed.matches(fields), ...(exact !== undefined ? { exactName: exact } : {}) };
  },
};

export interface ApiModuleOptions {
  /** NodePort range Service validation accepts. */
  readonly nodePortRange: readonly [number, number];
}

export async function loadApiModules(options: ApiModuleOptions): Promise<LoadedApiModules> {
  const builtinStrategies = createBuiltinStrategies({ service: { nodePortRange: { min: options.nodePortRange[0], max: options.nodePortRange[1] } } });
  const schemas = new SchemaRegistry([...metaV1Types, ...coreV1Types, ...groupTypes]);
  const patcher = new PatchEngine({ registry: schemas });
  return {
    schemas,
    patcher,
    selectors,
    strategyFor(group: string, kind: string): Strategy {
      const key = kindKey(group, kind);
      if (key === 'CustomResourceDefinition.apiextensions.k8s.io') {
        return { ...customResourceDefinitionStrategy, table: builtinTablePrinters[key], fieldLabelRule: fieldLabelRuleFor(key) };
      }
      const own = builtinStrategies[key] ?? {};
      const selectable = builtinSelectableFields[key];
      return {
        ...own,
        ...(builtinTablePrinters[key] ? { table: builtinTablePrinters[key] } : {}),
        ...(selectable ? { selectableFields: selectable } : {}),
        fieldLabelRule: fieldLabelRuleFor(key),
      };
    },
    nameRuleFor: (group, kind) => nameRuleFor(kindKey(group, kind)),
    crdFieldLabelRule: (clusterScoped, selectableFields) => crdFieldLabelRule({ clusterScoped, selectableFields }),
    validateObjectMeta: (meta, opts) => validateObjectMeta(meta, { namespaced: opts.namespaced, nameRule: opts.nameRule, builtin: opts.builtin }),
    validateObjectMetaUpdate: (meta, old, opts) => validateObjectMetaUpdate(meta, old, { builtin: opts.builtin }),
    checkStructure(obj, typeName, mode, warnings, target): void {
      const check = checkFields(obj, typeName, schemas);
      if (check.errors.length > 0 || check.unknown.length > 0) {
        const outcome = fieldValidationOutcome(check, mode, target);
        if (outcome.error) throw outcome.error;
        warnings.push(...outcome.warnings);
      }
      normalizeObject(obj, typeName, schemas, { prune: check.unknown.length > 0 });
    },
    trackManagedFields(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined, opts): void {
      const updated = patcher.updateManagedFields(def, old, obj, { manager: opts.manager, time: opts.time, subresource: opts.subresource });
      if (updated.metadata.managedFields === undefined) delete obj.metadata.managedFields;
      else obj.metadata.managedFields = updated.metadata.managedFields;
    },
    decodeProtobuf: (body) => decodeKubernetesProtobuf(body, schemas),
    labelSelectorFromObject(selector: unknown): LabelMatcher | undefined {
      try {
        const s = labelSelectorFromObject(selector);
        return { matches: (labels) => s.matches(labels) };
      } catch (e) {
        if (e instanceof ApiError) return undefined;
        throw e;
      }
    },
  };
}
