import {
  ApiKeyRequiredException,
  AuthenticationException,
  BadRequestException,
  ConflictException,
  GenericServerException,
  NoApiKeyProvidedException,
  NotFoundException,
  OauthException,
  RateLimitExceededException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@workos-inc/node';
import { rootWorkOSError, WorkOSBusyError, WorkOSDeadlineError, WorkOSUnavailableError } from './workos.server';

/** What went wrong with a WorkOS call, in words a rep can act on. Never a stack trace. */
export interface WorkOSProblem {
  kind:
    | 'invalid_api_key'
    | 'forbidden'
    | 'not_found'
    | 'external_id_taken'
    | 'domain_conflict'
    | 'invitation_exists'
    | 'invalid_request'
    | 'rate_limited'
    | 'unavailable';
  message: string;
  /** The form field the problem belongs to, when there is one. */
  field?: 'name' | 'domains' | 'externalId';
  /** True when WorkOS certainly did not act (the request was refused as invalid). */
  refused: boolean;
  retryAfterSeconds?: number;
  /** WorkOS's X-Request-ID, for a support ticket with WorkOS. */
  requestId?: string;
  status?: number;
}

/** WorkOS's own message on one line, to quote inside ours. */
export function workosWords(error: Error): string {
  return error.message.replace(/\s+/g, ' ').trim();
}

/** WorkOS's field names in `errors[]`, as this app's form fields. */
function formFieldOf(errors: unknown): WorkOSProblem['field'] | undefined {
  if (!Array.isArray(errors)) return undefined;
  for (const item of errors as { field?: unknown }[]) {
    const field = typeof item?.field === 'string' ? item.field : '';
    if (/^name\b/.test(field)) return 'name';
    if (/^(domain_data|domains)\b/.test(field)) return 'domains';
    if (/^external_id\b/.test(field)) return 'externalId';
  }
  return undefined;
}

/** WorkOS's own words for each listed error, short: "domain_data: domain_invalid". */
function listedErrors(errors: unknown): string {
  if (!Array.isArray(errors)) return '';
  return (errors as { field?: unknown; code?: unknown; message?: unknown }[])
    .slice(0, 5)
    .map((item) => [item?.field, item?.code ?? item?.message].filter((part) => typeof part === 'string').join(': '))
    .filter(Boolean)
    .join('; ');
}

function requestIdOf(error: unknown): string | undefined {
  const id = (error as { requestID?: unknown }).requestID;
  return typeof id === 'string' && id ? id : undefined;
}

/**
 * Maps an error thrown by `@workos-inc/node` to a WorkOSProblem (the error-recovery list of the
 * WorkOS integration guide). `subject` names what was asked for, e.g. the organization id.
 */
export function describeWorkOSError(thrown: unknown, subject?: { organizationId?: string; externalId?: string | null }): WorkOSProblem {
  const error = rootWorkOSError(thrown);
  const requestId = requestIdOf(error);
  if (error instanceof NoApiKeyProvidedException || error instanceof ApiKeyRequiredException) {
    return { kind: 'invalid_api_key', message: 'No WorkOS API key is set: an admin must set WORKOS_API_KEY (WorkOS dashboard → API Keys).', refused: true };
  }
  if (error instanceof UnauthorizedException) {
    return {
      kind: 'invalid_api_key',
      message:
        'WorkOS rejected the API key. An admin should check WORKOS_API_KEY: it may be mistyped, revoked, or the key of another environment (test vs production).',
      refused: true,
      requestId,
      status: 401,
    };
  }
  if (error instanceof NotFoundException) {
    return {
      kind: 'not_found',
      message:
        `WorkOS has no organization ${subject?.organizationId ?? ''}: it was deleted in WorkOS, or the app is using the API key of another environment (test vs production). Run “Sync from WorkOS” to update the list.`.replace(
          '  ',
          ' ',
        ),
      refused: true,
      requestId,
      status: 404,
    };
  }
  if (error instanceof ConflictException) {
    return {
      kind: 'domain_conflict',
      message: `${error.message.replace(/\.$/, '')}. Each domain can belong to one organization: remove it here, or ask who owns the other organization.`,
      field: 'domains',
      refused: true,
      requestId,
      status: 409,
    };
  }
  if (error instanceof UnprocessableEntityException) {
    return {
      kind: 'invalid_request',
      message: `WorkOS refused the data as invalid (${workosWords(error)}). Check the fields and try again.`,
      refused: true,
      requestId,
      status: 422,
    };
  }
  if (error instanceof WorkOSBusyError) {
    return {
      kind: 'rate_limited',
      message: `WorkOS is busy (rate limited). Try again in ${error.retryAfterSeconds} s.`,
      retryAfterSeconds: error.retryAfterSeconds,
      refused: true,
      status: 429,
    };
  }
  if (error instanceof WorkOSDeadlineError) {
    return {
      kind: 'unavailable',
      message: `WorkOS did not answer within ${Math.round(error.deadlineMs / 1000)} s. Nothing is lost: try again in a minute.`,
      // It may still have acted after we stopped waiting: never assume it did not.
      refused: false,
    };
  }
  if (error instanceof RateLimitExceededException) {
    const seconds = Math.max(1, Math.ceil(error.retryAfter ?? 30));
    return {
      kind: 'rate_limited',
      message: `WorkOS is busy (rate limited). Try again in ${seconds} s.`,
      retryAfterSeconds: seconds,
      refused: true,
      requestId,
      status: 429,
    };
  }
  // A 400 (or 403) with `{ code, errors }`: WorkOS refused the request as it was; nothing happened.
  if (error instanceof BadRequestException) {
    if (error.code === 'external_id_already_used') return externalIdTaken(subject, requestId);
    const details = listedErrors(error.errors);
    return {
      kind: 'invalid_request',
      message: `WorkOS refused the request (${error.message.replace(/\.$/, '')}${details ? `: ${details}` : ''}). Check the fields and try again.`,
      field: formFieldOf(error.errors),
      refused: true,
      requestId,
      status: 400,
    };
  }
  if (error instanceof OauthException) {
    return {
      kind: 'invalid_request',
      message: `WorkOS refused the request (${error.error ?? 'error'}${error.errorDescription ? `: ${error.errorDescription}` : ''}).`,
      refused: true,
      requestId,
      status: error.status,
    };
  }
  if (error instanceof AuthenticationException) {
    return {
      kind: 'forbidden',
      message: 'WorkOS refused: this call needs an authentication this app does not have. An admin should check the WorkOS key and its environment.',
      refused: true,
      requestId,
      status: error.status,
    };
  }
  if (error instanceof GenericServerException) {
    const code = (error.rawData as { code?: unknown } | undefined)?.code;
    if (error.status === 400 && code === 'external_id_already_used') return externalIdTaken(subject, requestId);
    if (error.status === 400) {
      return {
        kind: 'invalid_request',
        message: `WorkOS refused the request (${error.message}). Check the fields and try again.`,
        refused: true,
        requestId,
        status: 400,
      };
    }
    if (error.status === 403) {
      return {
        kind: 'forbidden',
        message:
          'WorkOS refused: the API key lacks permission for this, or belongs to another environment. An admin should check WORKOS_API_KEY in the WorkOS dashboard (API Keys).',
        refused: true,
        requestId,
        status: 403,
      };
    }
  }
  const status = error instanceof WorkOSUnavailableError ? error.status : (error as { status?: unknown }).status;
  return {
    kind: 'unavailable',
    message: 'WorkOS is unavailable right now (or did not answer in time). Nothing is lost: try again in a minute.',
    // A timeout or a 5xx may have come after WorkOS acted: never assume it did not.
    refused: false,
    requestId,
    status: typeof status === 'number' ? status : undefined,
  };
}

function externalIdTaken(subject: { externalId?: string | null } | undefined, requestId: string | undefined): WorkOSProblem {
  return {
    kind: 'external_id_taken',
    message: `Another WorkOS organization already uses the external id “${subject?.externalId ?? ''}”. If it is this customer, run “Sync from WorkOS” to bring it in; otherwise use another external id.`,
    field: 'externalId',
    refused: true,
    requestId,
    status: 400,
  };
}
