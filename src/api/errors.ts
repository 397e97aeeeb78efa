/**
 * Typed API errors. Every failure that reaches a client is an ApiError and is turned into a
 * Kubernetes `Status` object in exactly one place (the API server's error handler).
 *
 * Shapes follow apimachinery pkg/api/errors/errors.go: `details.kind` is the *resource* (plural)
 * for NotFound/AlreadyExists/Conflict/Forbidden, and the *Kind* for Invalid.
 */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'Timeout'
  | 'ServerTimeout'
  | 'InternalError'
  | 'ServiceUnavailable';

export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError'
  | 'FieldManagerConflict'
  | 'ResourceVersionTooLarge'
  | 'UnexpectedServerResponse'
  | 'ExitCode';

export interface StatusCause {
  reason?: CauseType | string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** A resource as named in error messages: `deployments.apps`, `pods`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** A problem with one field of an object, as upstream's field.Error. */
export interface FieldError {
  type: CauseType;
  /** Dotted path, e.g. `spec.template.spec.containers[0].image`. */
  field: string;
  /** The offending value, shown in the message for Invalid/NotSupported/Duplicate. */
  value?: unknown;
  /** Human explanation appended after the generic text. */
  detail?: string;
  /** For NotSupported: the accepted values. */
  supported?: readonly string[];
  /**
   * The value as upstream's message prints it, when Go's `%#v` differs from the JSON rendering of
   * `value` (a []string prints as `[]string{"a", "b"}`); Invalid messages use it in place of `value`.
   */
  valueText?: string;
}

/** Renders a FieldError as upstream's field.Error.ErrorBody() does. */
export function fieldErrorBody(e: FieldError): string {
  const detail = e.detail ? `: ${e.detail}` : '';
  switch (e.type) {
    case 'FieldValueRequired':
      return `Required value${detail}`;
    case 'FieldValueForbidden':
      return `Forbidden${detail}`;
    case 'FieldValueTooLong':
      return `Too long${detail}`;
    case 'FieldValueTooMany':
      return e.value === undefined ? `Too many${detail}` : `Too many: ${formatValue(e.value)}${detail}`;
    case 'FieldValueNotFound':
      return `Not found: ${formatValue(e.value)}${detail}`;
    case 'FieldValueDuplicate':
      return `Duplicate value: ${formatValue(e.value)}${detail}`;
    case 'FieldValueNotSupported': {
      const supported = e.supported?.length ? `: supported values: ${e.supported.map((s) => JSON.stringify(s)).join(', ')}` : '';
      return `Unsupported value: ${formatValue(e.value)}${supported}${detail}`;
    }
    case 'FieldValueTypeInvalid':
      return `Invalid value: ${formatValue(e.value)}${detail}`;
    case 'InternalError':
      return `Internal error${detail}`;
    default:
      if (e.valueText !== undefined) return `Invalid value: ${e.valueText}${detail}`;
      return e.value === undefined ? `Invalid value${detail}` : `Invalid value: ${formatValue(e.value)}${detail}`;
  }
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === undefined) return '""';
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Record<string, string> | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
    this.headers = options?.headers;
  }

  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    // A Status without a reason (an admission webhook's refusal may have none) omits the field, as Go's omitempty does.
    if (!this.reason) delete s.reason;
    if (this.details) s.details = this.details;
    return s;
  }

  static badRequest(message: string, causes?: StatusCause[]): ApiError {
    return new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined);
  }

  static unauthorized(message = 'Unauthorized'): ApiError {
    return new ApiError(401, 'Unauthorized', message);
  }

  static forbidden(gr: GroupResource, name: string, reason: string): ApiError {
    const what = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
    return new ApiError(403, 'Forbidden', `${what} is forbidden: ${reason}`, { name: name || undefined, group: gr.group || undefined, kind: gr.resource });
  }

  static notFound(gr: GroupResource, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, detailsFor(gr, name));
  }

  /** 404 for a path that names no resource at all. */
  static pathNotFound(message = 'the server could not find the requested resource'): ApiError {
    return new ApiError(404, 'NotFound', message, {});
  }

  static alreadyExists(gr: GroupResource, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, detailsFor(gr, name));
  }

  static conflict(gr: GroupResource, name: string, why: string): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, detailsFor(gr, name));
  }

  /** The optimistic-concurrency conflict, worded as upstream's OptimisticLockErrorMsg. */
  static staleResourceVersion(gr: GroupResource, name: string): ApiError {
    return ApiError.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }

  static invalid(kind: { group: string; kind: string }, name: string, errors: readonly FieldError[]): ApiError {
    const causes = errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
    const list = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
    const kindName = kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return new ApiError(422, 'Invalid', `${kindName} "${name}" is invalid: ${summary}`, {
      name,
      group: kind.group || undefined,
      kind: kind.kind,
      causes,
    });
  }

  static gone(message: string): ApiError {
    return new ApiError(410, 'Gone', message);
  }

  /** A resourceVersion older than the compacted history: clients must relist. */
  static expired(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  }

  static methodNotAllowed(message: string): ApiError {
    return new ApiError(405, 'MethodNotAllowed', message);
  }

  static notAcceptable(message: string): ApiError {
    return new ApiError(406, 'NotAcceptable', message);
  }

  static unsupportedMediaType(message: string): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', message);
  }

  static requestEntityTooLarge(message: string): ApiError {
    return new ApiError(413, 'RequestEntityTooLarge', message);
  }

  static tooManyRequests(message: string, retryAfterSeconds?: number): ApiError {
    return new ApiError(429, 'TooManyRequests', message, retryAfterSeconds ? { retryAfterSeconds } : undefined, {
      headers: retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : undefined,
    });
  }

  static timeout(message: string, retryAfterSeconds?: number): ApiError {
    return new ApiError(504, 'Timeout', message, retryAfterSeconds ? { retryAfterSeconds } : undefined);
  }

  static internal(message: string, cause?: unknown): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }, { cause });
  }

  static serviceUnavailable(message: string): ApiError {
    return new ApiError(503, 'ServiceUnavailable', message);
  }
}

function detailsFor(gr: GroupResource, name: string): StatusDetails {
  const d: StatusDetails = { name, kind: gr.resource };
  if (gr.group) d.group = gr.group;
  return d;
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
