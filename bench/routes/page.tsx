// The benchmark's bare page: a Remix page with the app's root around it (its loader, its shell)
// and nothing of its own — what every real page costs at least.
export const handle = { access: { loader: 'public' } };

export default function BenchPage() {
  return <p>Bench</p>;
}
