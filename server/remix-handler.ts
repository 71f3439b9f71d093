import { createReadableStreamFromReadable, createRequestHandler, type AppLoadContext, type ServerBuild } from '@remix-run/node';
import type { Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from 'express';
import { requestUrl } from './canonical-path';

/**
 * `@remix-run/express`'s request handler, with one change: the response body is written with
 * backpressure. Its own writer reads the body as fast as the route produces it, whatever the
 * client takes; a long download (the audit export, streamed in batches from the database) would
 * then pile up in memory behind a slow client. This one waits for the socket to drain, so the
 * route is asked for the next batch only when the previous one has gone out, and stops asking
 * when the client goes away. (`createRemixRequest`, which that package does not export, is
 * rewritten below as it is there.)
 */
export function remixRequestHandler({
  build,
  mode,
  publicOrigin,
  getLoadContext,
}: {
  build: () => Promise<ServerBuild>;
  mode: string;
  /** PUBLIC_URL's origin: the URL Remix sees is built on it. */
  publicOrigin: string;
  getLoadContext: (req: ExpressRequest, res: ExpressResponse) => AppLoadContext;
}): RequestHandler {
  const handleRequest = createRequestHandler(build, mode);
  return async (req, res, next) => {
    try {
      const request = createRemixRequest(req, res, publicOrigin);
      const response = await handleRequest(request, getLoadContext(req, res));
      await sendResponse(res, response);
    } catch (error) {
      next(error);
    }
  };
}

/** The Fetch API request for an Express request, aborted when the client leaves or the answer is sent. */
function createRemixRequest(req: ExpressRequest, res: ExpressResponse, publicOrigin: string): Request {
  // On the public origin, whatever Host or X-Forwarded-Host says: those headers are the client's
  // to choose, and the URL's path is what every rule before Remix has read.
  const url = requestUrl(publicOrigin, req.originalUrl);

  const controller = new AbortController();
  const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers: requestHeaders(req), signal: controller.signal };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    // Read (and checked) already by the body rules, when they ran; else streamed.
    const read = res.locals.body as Buffer | undefined;
    if (read) init.body = new Uint8Array(read);
    else {
      init.body = createReadableStreamFromReadable(req);
      init.duplex = 'half';
    }
  }
  // Aborted once the exchange is over — the client went away, or the answer has been sent —
  // so that what still waits on it stops: Remix's 5-second timer for a page's streamed data is
  // cleared only by this signal, and would otherwise outlive every request by five seconds.
  res.on('close', () => controller.abort());
  return new Request(url.href, init);
}

function requestHeaders(req: ExpressRequest): Headers {
  const headers = new Headers();
  for (const [key, values] of Object.entries(req.headers)) {
    if (!values) continue;
    if (Array.isArray(values)) for (const value of values) headers.append(key, value);
    else headers.set(key, values);
  }
  return headers;
}

async function sendResponse(res: ExpressResponse, response: Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [key, value] of response.headers.entries()) res.append(key, value);
  if (/text\/event-stream/i.test(response.headers.get('Content-Type') ?? '')) res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  let clientGone = false;
  // Wakes a write waiting for `drain` when the client leaves instead. One close listener for the
  // whole response: a listener per waiting write would pile up on long downloads.
  let wake: (() => void) | null = null;
  const onClose = () => {
    clientGone = !res.writableFinished;
    if (clientGone) void reader.cancel().catch(() => undefined);
    wake?.();
  };
  res.once('close', onClose);
  // Compression buffers; a page's streamed parts must go out as they come, not at the end. One
  // flush per burst of chunks, not per chunk: React writes a page in 2 KB pieces, and a flush
  // each (a gzip block and a system call apiece) cost a tenth of a page's time.
  const flush = (res as ExpressResponse & { flush?: () => void }).flush?.bind(res);
  let flushScheduled = false;
  const scheduleFlush = () => {
    if (!flush || flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      if (!res.writableEnded) flush();
    });
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || clientGone) break;
      const accepted = res.write(value);
      scheduleFlush();
      if (!accepted && !clientGone) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once('drain', resolve);
        });
        wake = null;
      }
    }
    if (!clientGone) res.end();
  } catch (error) {
    res.destroy(error as Error);
    throw error;
  } finally {
    res.off('close', onClose);
  }
}
