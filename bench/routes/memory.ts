// The server's memory, after a full garbage collection when the benchmark started it with
// --expose-gc: what it holds, not what it has yet to free.
export const handle = { access: { loader: 'public' } };

export function loader() {
  (globalThis as { gc?: () => void }).gc?.();
  return Response.json(process.memoryUsage());
}
