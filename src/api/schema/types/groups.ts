/**
 * Every TypeDef of the non-core API groups lite serves. core/v1 and meta/v1 are defined in their own files
 * (core-v1*.ts, meta-v1.ts); the definitions here reference those names and need them in the same registry.
 */
import type { TypeDef } from '../dsl.js';
import { admissionregistrationV1Types } from './admissionregistration-v1.js';
import { apiextensionsV1Types } from './apiextensions-v1.js';
import { apiregistrationV1Types } from './apiregistration-v1.js';
import { appsV1Types } from './apps-v1.js';
import { authenticationV1Types } from './authentication-v1.js';
import { authorizationV1Types } from './authorization-v1.js';
import { autoscalingV1Types } from './autoscaling-v1.js';
import { autoscalingV2Types } from './autoscaling-v2.js';
import { batchV1Types } from './batch-v1.js';
import { certificatesV1Types } from './certificates-v1.js';
import { coordinationV1Types } from './coordination-v1.js';
import { discoveryV1Types } from './discovery-v1.js';
import { eventsV1Types } from './events-v1.js';
import { metricsV1beta1Types } from './metrics-v1beta1.js';
import { networkingV1Types } from './networking-v1.js';
import { policyV1Types } from './policy-v1.js';
import { rbacV1Types } from './rbac-v1.js';
import { schedulingV1Types } from './scheduling-v1.js';
import { storageV1Types } from './storage-v1.js';

export const groupTypes: readonly TypeDef[] = [
  ...appsV1Types,
  ...batchV1Types,
  ...autoscalingV1Types,
  ...autoscalingV2Types,
  ...certificatesV1Types,
  ...coordinationV1Types,
  ...discoveryV1Types,
  ...eventsV1Types,
  ...networkingV1Types,
  ...storageV1Types,
  ...policyV1Types,
  ...rbacV1Types,
  ...schedulingV1Types,
  ...admissionregistrationV1Types,
  ...apiextensionsV1Types,
  ...apiregistrationV1Types,
  ...authorizationV1Types,
  ...authenticationV1Types,
  ...metricsV1beta1Types,
];
