import { WorkOS } from '@workos-inc/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';
import { describeWorkOSError, type WorkOSProblem } from './workos-errors.server';

/**
 * Every exception class the SDK throws, produced by the real SDK from a real HTTP answer (the
 * sandbox's fault injection), lands in the bucket a rep can act on: the SDK picks the class from
 * the status and the body's shape, so each case below sends the shape WorkOS sends.
 */
let sandbox: RunningSandbox;
let workos: WorkOS;

beforeAll(async () => {
  sandbox = await startSandbox();
  workos = new WorkOS(sandbox.apiKey, { ...sandbox.sdkOptions, maxRetries: 0 });
});
afterAll(async () => {
  await sandbox.stop();
});

async function problemFor(answer: {
  status: number;
  body?: Record<string, unknown>;
  retryAfter?: number;
}): Promise<{ problem: WorkOSProblem; thrown: string }> {
  sandbox.faults.clear();
  sandbox.faults.add({ method: 'POST', path: '/organizations', ...answer, times: 1 });
  const error = await workos.organizations.createOrganization({ name: 'Bucketed', externalId: 'acct-7' }).catch((thrown: unknown) => thrown);
  return { problem: describeWorkOSError(error, { externalId: 'acct-7' }), thrown: (error as Error).constructor.name };
}

describe('each SDK exception, in the bucket a rep can act on', () => {
  it.each([
    {
      status: 400,
      body: { code: 'invalid_request_parameters', message: 'Validation failed', errors: [{ field: 'domain_data', code: 'domain_invalid' }] },
      thrown: 'BadRequestException',
      kind: 'invalid_request',
      field: 'domains',
      refused: true,
    },
    {
      status: 400,
      body: { code: 'invalid_request_parameters', message: 'Validation failed', errors: [{ field: 'name', code: 'name_required' }] },
      thrown: 'BadRequestException',
      kind: 'invalid_request',
      field: 'name',
      refused: true,
    },
    {
      status: 400,
      body: { code: 'external_id_already_used', message: 'taken', errors: [{ field: 'external_id', code: 'taken' }] },
      thrown: 'BadRequestException',
      kind: 'external_id_taken',
      field: 'externalId',
      refused: true,
    },
    {
      status: 400,
      body: { code: 'external_id_already_used', message: 'taken' },
      thrown: 'GenericServerException',
      kind: 'external_id_taken',
      field: 'externalId',
      refused: true,
    },
    {
      status: 400,
      body: { error: 'invalid_request', error_description: 'The request is malformed.' },
      thrown: 'OauthException',
      kind: 'invalid_request',
      refused: true,
    },
    { status: 400, body: { message: 'Bad Request' }, thrown: 'GenericServerException', kind: 'invalid_request', refused: true },
    { status: 401, body: { message: 'Unauthorized' }, thrown: 'UnauthorizedException', kind: 'invalid_api_key', refused: true },
    { status: 403, body: { message: 'Forbidden' }, thrown: 'GenericServerException', kind: 'forbidden', refused: true },
    { status: 403, body: { code: 'forbidden', message: 'Forbidden', errors: [] }, thrown: 'BadRequestException', kind: 'invalid_request', refused: true },
    { status: 404, body: { message: 'Not Found' }, thrown: 'NotFoundException', kind: 'not_found', refused: true },
    {
      status: 409,
      body: { message: 'Domain acme.com is already verified by another organization.' },
      thrown: 'ConflictException',
      kind: 'domain_conflict',
      field: 'domains',
      refused: true,
    },
    {
      status: 422,
      body: { message: 'Validation failed', errors: [{ field: 'name', code: 'too_long' }] },
      thrown: 'UnprocessableEntityException',
      kind: 'invalid_request',
      refused: true,
    },
    { status: 429, retryAfter: 7, thrown: 'RateLimitExceededException', kind: 'rate_limited', refused: true },
    { status: 500, body: { message: 'Internal Server Error' }, thrown: 'GenericServerException', kind: 'unavailable', refused: false },
    { status: 503, body: { message: 'Service Unavailable' }, thrown: 'GenericServerException', kind: 'unavailable', refused: false },
  ])('$status $thrown → $kind', async ({ status, body, retryAfter, thrown, kind, field, refused }) => {
    const result = await problemFor({ status, body, retryAfter });
    expect(result.thrown).toBe(thrown);
    expect(result.problem).toMatchObject({ kind, refused, ...(field ? { field } : {}) });
    expect(result.problem.message).not.toMatch(/\n\s+at /);
    if (status === 429) expect(result.problem.message).toBe('WorkOS is busy (rate limited). Try again in 7 s.');
  });

  it('a 400 with listed errors says which, in WorkOS’s words, and never falls into "unavailable"', async () => {
    const { problem } = await problemFor({
      status: 400,
      body: { code: 'invalid_request_parameters', message: 'Validation failed.', errors: [{ field: 'domain_data.0.domain', code: 'domain_invalid' }] },
    });
    expect(problem.message).toBe('WorkOS refused the request (Validation failed: domain_data.0.domain: domain_invalid). Check the fields and try again.');
  });

  it('no API key at all: invalid key, with the variable to set', async () => {
    const keyless = new WorkOS(undefined as unknown as string, { ...sandbox.sdkOptions, clientId: 'client_keyless' });
    const error = await keyless.organizations.createOrganization({ name: 'No key' }).catch((thrown: unknown) => thrown);
    expect((error as Error).constructor.name).toBe('ApiKeyRequiredException');
    expect(describeWorkOSError(error)).toMatchObject({ kind: 'invalid_api_key', message: expect.stringContaining('WORKOS_API_KEY') });
  });

  it('a proxy’s HTML error page or a dropped connection: unavailable, never "refused"', async () => {
    sandbox.faults.clear();
    sandbox.faults.add({ method: 'POST', path: '/organizations', drop: true, times: 1 });
    const dropped = await workos.organizations.createOrganization({ name: 'Dropped' }).catch((thrown: unknown) => thrown);
    expect(describeWorkOSError(dropped)).toMatchObject({ kind: 'unavailable', refused: false });
  });
});
