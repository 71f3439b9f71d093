import { PassThrough } from 'node:stream';
import type { AppLoadContext, EntryContext, HandleErrorFunction } from '@remix-run/node';
import { createReadableStreamFromReadable } from '@remix-run/node';
import { isRouteErrorResponse, RemixServer } from '@remix-run/react';
import { isbot } from 'isbot';
import { renderToPipeableStream } from 'react-dom/server';
import { redactUrlForLog } from '~/utils/link-secrets';
import { getLogger } from '~/utils/logger.server';
import { NonceProvider } from '~/utils/nonce-provider';

const ABORT_DELAY_MS = 5_000;
export const streamTimeout = ABORT_DELAY_MS;

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
  loadContext: AppLoadContext,
) {
  // Bots and crawlers get the whole document at once; people get it streamed.
  const readyEvent = isbot(request.headers.get('user-agent')) ? 'onAllReady' : 'onShellReady';
  const nonce = loadContext.cspNonce;

  return new Promise<Response>((resolve, reject) => {
    let shellRendered = false;
    // Ends a render still waiting on data after ABORT_DELAY_MS; cleared as soon as the render is
    // done, so that a finished page leaves no timer behind (one per request, under load).
    const renderEnded = () => clearTimeout(abortTimer);
    const sendShell = () => {
      shellRendered = true;
      const body = new PassThrough();
      responseHeaders.set('Content-Type', 'text/html; charset=utf-8');
      resolve(
        new Response(createReadableStreamFromReadable(body), {
          headers: responseHeaders,
          status: responseStatusCode,
        }),
      );
      pipe(body);
    };
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY_MS} nonce={nonce} />
      </NonceProvider>,
      {
        nonce,
        onShellReady() {
          if (readyEvent === 'onShellReady') sendShell();
        },
        onAllReady() {
          renderEnded();
          if (readyEvent === 'onAllReady') sendShell();
        },
        onShellError(error: unknown) {
          renderEnded();
          reject(error);
        },
        onError(error: unknown) {
          // A client that went away ends the render: that is not the page's fault.
          if (request.signal.aborted) return;
          responseStatusCode = 500;
          // Errors before the shell are reported by handleError; later ones only here.
          if (shellRendered) getLogger().error({ err: error }, 'render error');
        },
      },
    );
    // React starts the render on the next turn (setImmediate): the timer is set before it can end.
    const abortTimer = setTimeout(abort, ABORT_DELAY_MS);
  });
}

/** Logs unexpected loader/action/render errors once, with the request path redacted. */
export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  // Thrown 4xx responses (not found, method not allowed) are answers, not faults.
  if (isRouteErrorResponse(error) && error.status < 500) return;
  const { pathname, search } = new URL(request.url);
  getLogger().error({ err: error, method: request.method, path: redactUrlForLog(pathname + search) }, 'unhandled error');
};
