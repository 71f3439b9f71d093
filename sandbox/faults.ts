import { z } from 'zod';

/**
 * Fault injection: make the next N matching requests fail, slow down or drop. `phase: 'after'`
 * lets the request do its work first and then fails the response — "WorkOS created the
 * organization but the answer was lost", the case idempotency keys exist for.
 */
export const faultRuleSchema = z.object({
  method: z
    .string()
    .transform((value) => value.toUpperCase())
    .optional(),
  /** An exact path, or a prefix ending in `*` (`/organizations*`). */
  path: z.string().min(1),
  /** Only requests whose JSON body contains this text (lets parallel tests fault their own calls). */
  bodyIncludes: z.string().min(1).optional(),
  status: z.number().int().min(100).max(599).optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  retryAfter: z.number().int().min(0).optional(),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  /** Held until the test releases the rule (`release(id)`): "WorkOS is answering" for exactly as long as a race needs. */
  hold: z.boolean().optional(),
  /** After the hold or latency, the request goes on and succeeds: WorkOS answering slowly, not failing. */
  pass: z.boolean().optional(),
  drop: z.boolean().optional(),
  phase: z.enum(['before', 'after']).default('before'),
  times: z.number().int().min(1).default(1),
});
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.output<typeof faultRuleSchema> & { id: number };

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too many requests. Please retry after the time given in Retry-After.',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export class FaultBook {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private holds = new Map<number, { released: Promise<void>; release: () => void }>();
  private arrivals = new Map<number, { arrived: Promise<void>; arrive: () => void }>();

  /** Resolves when a request first meets the rule (a test waits for its request to be in flight). */
  reached(id: number): Promise<void> {
    return this.arrivalFor(id).arrived;
  }

  private arrivalFor(id: number) {
    let arrival = this.arrivals.get(id);
    if (!arrival) {
      let arrive!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      arrival = { arrived, arrive };
      this.arrivals.set(id, arrival);
    }
    return arrival;
  }

  /** Resolves when the held rule is released (at once for a rule released already). */
  held(id: number): Promise<void> {
    return this.holdFor(id).released;
  }

  /** Lets every request held by this rule go on, and any later one it catches. */
  release(id: number): void {
    this.holdFor(id).release();
  }

  private holdFor(id: number) {
    let hold = this.holds.get(id);
    if (!hold) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      hold = { released, release };
      this.holds.set(id, hold);
    }
    return hold;
  }

  add(input: FaultRuleInput): FaultRule {
    const rule = { ...faultRuleSchema.parse(input), id: this.nextId++ };
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
    for (const hold of this.holds.values()) hold.release();
    this.holds.clear();
    this.arrivals.clear();
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  /** Takes (and counts down) the first rule matching this request, if any. */
  take(method: string, path: string, body: unknown = null): FaultRule | undefined {
    const bodyText = body === null || body === undefined ? '' : JSON.stringify(body);
    const rule = this.rules.find(
      (candidate) =>
        (!candidate.method || candidate.method === method) &&
        (!candidate.bodyIncludes || bodyText.includes(candidate.bodyIncludes)) &&
        (candidate.path.endsWith('*') ? path.startsWith(candidate.path.slice(0, -1)) : candidate.path === path),
    );
    if (!rule) return undefined;
    this.arrivalFor(rule.id).arrive();
    rule.times -= 1;
    if (rule.times <= 0) this.rules = this.rules.filter((candidate) => candidate !== rule);
    return rule;
  }
}

/** The error body a fault answers with: WorkOS's `{ message }` shape unless the rule gives one. */
export function faultBody(rule: FaultRule): Record<string, unknown> {
  return rule.body ?? { message: DEFAULT_MESSAGES[rule.status ?? 500] ?? 'Error' };
}
