/**
 * The seam between the kubelet's pod side and the agent that composes it.
 *
 * The agent (src/agent) owns joining, the node object (registration, status, Lease), the tunnel
 * and the kubelet API server; it starts the pod side with `startKubelet` (src/kubelet/kubelet.ts)
 * and hands `RunningKubelet.streaming` to the KubeletServer so logs/exec/attach/port-forward see
 * the pods the kubelet runs.
 */
import type { Logger } from 'pino';
import type { Client } from '../client/client.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { Clock } from '../util/clock.js';
import type { StreamingPodLookup } from './server/pod-lookup.js';

export interface KubeletConfig {
  /** The API as this node (`system:node:<name>`): HTTP in `lite agent`, in-process in the embedded agent. */
  readonly client: Client;
  readonly runtime: ContainerRuntime;
  readonly nodeName: string;
  /** The agent's data dir: the kubelet keeps pods/<uid>/volumes, logs and state below `<dataDir>/kubelet`. */
  readonly dataDir: string;
  /** Static pod manifests (YAML/JSON) run without the API server and mirrored as mirror pods (absent: none). */
  readonly staticPodDir?: string;
  /** The node's primary address (status.hostIP, host-network pods' IP). */
  readonly nodeIp: string;
  /** Cluster DNS servers for ClusterFirst pods (absent or empty: pods get the host's resolv.conf). */
  readonly clusterDns?: readonly string[];
  /** Default `cluster.local`. */
  readonly clusterDomain?: string;
  /**
   * The node's pod network: sandboxes join runtime network `name` and get an address of `cidr`
   * (the node's spec.podCIDR); a sandbox with an address outside it is re-created. Absent: the
   * runtime's default network.
   */
  readonly podNetwork?: { readonly name: string; readonly cidr: string };
  /**
   * The local-path storage dir on this node (`--default-local-storage-path`): the kubelet removes
   * the directories of deleted local-path volumes pinned to it (volumes/local-path-cleaner.ts).
   * Absent: no clean-up.
   */
  readonly localStoragePath?: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface RunningKubelet {
  /** What the kubelet API (KubeletServer) needs to find a pod's containers. */
  readonly streaming: StreamingPodLookup;
  /** Resolves once the first sync of every pod bound to this node has run (start-up, tests). */
  whenSynced(): Promise<void>;
  /**
   * Stops the kubelet's loops. Containers keep running (as when a kubelet process stops), so a
   * restarted kubelet adopts them.
   */
  stop(): Promise<void>;
}

/** Implemented by src/kubelet/kubelet.ts. `signal` aborting has the effect of `stop()`. */
export type StartKubelet = (config: KubeletConfig, signal: AbortSignal) => Promise<RunningKubelet>;
