// The benchmark's bare resource route: Express, the security middleware and Remix's handler, no render.
export const handle = { access: { loader: 'public' } };

export function loader() {
  return new Response('ok', { headers: { 'Content-Type': 'text/plain' } });
}
