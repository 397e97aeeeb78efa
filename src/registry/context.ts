/** Who is asking, and how: passed from the API server (or the in-process client) into the registry. */

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface RequestContext {
  readonly user: UserInfo;
  /** `dryRun=All`: run every step except the write. */
  readonly dryRun?: boolean;
  /** `fieldManager` query parameter; defaults to a name derived from the user agent. */
  readonly fieldManager?: string;
  readonly fieldValidation?: FieldValidation;
  /** Collects `Warning:` response headers. */
  readonly warnings?: string[];
  readonly signal?: AbortSignal;
}

/** The identity of in-process control-plane components. */
export const SYSTEM_USER: UserInfo = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };
