/**
 * apiregistration.k8s.io/v1 APIService: defaulting (kube-aggregator pkg/apis/apiregistration/v1/defaults.go) plus
 * the two things upstream's Go types and create strategy add that a JSON object lacks (registry/apiservice/strategy.go).
 */
import { ensureObj, isNil, obj, type JsonObject } from '../json-access.js';

/** Reason and message of the Available condition a local APIService gets (apiregistration.NewLocalAvailableAPIServiceCondition). */
export const LOCAL_AVAILABLE_REASON = 'Local';
export const LOCAL_AVAILABLE_MESSAGE = 'Local APIServices are always available';

/** The Available=True condition of an APIService served by this API server itself. */
export function localAvailableCondition(lastTransitionTime: string | null): JsonObject {
  return { type: 'Available', status: 'True', lastTransitionTime, reason: LOCAL_AVAILABLE_REASON, message: LOCAL_AVAILABLE_MESSAGE };
}

/**
 * - SetDefaults_ServiceReference: a Service without a port gets 443.
 * - `spec.service` is `json:"service"` without omitempty, so kube-apiserver always writes it; an absent Service is
 *   written as null (which is what "served locally" looks like in `kubectl get apiservice -o yaml`).
 * - A new object reaches defaulting with no status (the store drops the client's status on create, as upstream's
 *   PrepareForCreate empties it). Upstream then marks a local APIService Available at once; here that happens when
 *   the status is absent, with the create's own time, which the store stamps as creationTimestamp just before
 *   defaulting. Updates keep the stored status whatever this sets, so running it on updates is harmless.
 */
export function defaultAPIService(apiService: JsonObject): void {
  const spec = ensureObj(apiService, 'spec');
  const service = obj(spec.service);
  if (service === undefined) spec.service = null;
  else if (isNil(service.port)) service.port = 443;
  if (isNil(apiService.status)) {
    const metadata = obj(apiService.metadata);
    const created = typeof metadata?.creationTimestamp === 'string' ? metadata.creationTimestamp : null;
    apiService.status = service === undefined ? { conditions: [localAvailableCondition(created)] } : {};
  }
}
