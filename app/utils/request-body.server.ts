// The rest of a refused body is never read: the connection must close after the answer, or the
// client's next request on it would meet the unread bytes (and a reset).
const tooLarge = () => new Response('Payload too large', { status: 413, headers: { Connection: 'close' } });

/** Reads a request body as text, refusing (with a 413 response) anything over `maxBytes`. */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
