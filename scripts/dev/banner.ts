/**
 * `npm run dev`'s start-up banner: a box no wider than a terminal of 100 columns, printed once the
 * app answers (not before: a banner followed by a crash, or buried under the compiler's output,
 * tells a newcomer nothing).
 */
export const BANNER_MAX_WIDTH = 100;

/** The lines boxed, each wrapped at a space (or cut) to fit `maxWidth` columns in all. */
export function formatBanner(lines: string[], maxWidth = BANNER_MAX_WIDTH): string {
  const inner = maxWidth - 4; // "│ " and " │"
  const wrapped = lines.flatMap((line) => wrapLine(line, inner));
  const width = Math.min(inner, Math.max(...wrapped.map((line) => line.length)));
  return [`┌${'─'.repeat(width + 2)}┐`, ...wrapped.map((line) => `│ ${line.padEnd(width)} │`), `└${'─'.repeat(width + 2)}┘`].join('\n');
}

function wrapLine(line: string, width: number): string[] {
  const indent = /^\s*/.exec(line)![0] + '  ';
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width);
    const cut = space > indent.length ? space : width;
    out.push(rest.slice(0, cut).trimEnd());
    rest = indent + rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}

/**
 * Resolves once `url` answers (the app's /healthz: the server listens and its database is ready),
 * or rejects when `stopped` says the app exited first or the deadline passes. Asks again every
 * quarter second: the condition is the answer, not the time.
 */
export async function untilAnswering(url: string, { stopped, deadlineMs = 120_000 }: { stopped: () => boolean; deadlineMs?: number }): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (stopped()) throw new Error('the app stopped before it answered');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${deadlineMs / 1000} s`);
    // A poll: the condition is the app answering /healthz, asked again every 250 ms until the deadline.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
