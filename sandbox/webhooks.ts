import crypto from 'node:crypto';
import { eventForWire, type SandboxEvent } from './store';

export interface WebhookEndpoint {
  id: number;
  url: string;
  secret: string;
}

export interface WebhookDelivery {
  endpointId: number;
  eventId: string;
  attempt: number;
  status: number | null;
  error: string | null;
  at: string;
}

/** `WorkOS-Signature: t=<ms>, v1=<hex HMAC-SHA256 of "<t>.<body>">`, as WorkOS signs webhooks. */
export function signWebhook(body: string, secret: string, timestampMs = Date.now()): string {
  const signature = crypto.createHmac('sha256', secret).update(`${timestampMs}.${body}`).digest('hex');
  return `t=${timestampMs}, v1=${signature}`;
}

const RETRY_DELAYS_MS = [0, 200, 1_000];

/**
 * Delivers every event to every endpoint, signed, retrying a failed delivery twice. Deliveries
 * are recorded so tests can see what was sent and what the receiver answered.
 */
export class WebhookDispatcher {
  private endpoints: WebhookEndpoint[] = [];
  private nextId = 1;
  readonly deliveries: WebhookDelivery[] = [];
  private inFlight = new Set<Promise<void>>();

  add(url: string, secret: string): WebhookEndpoint {
    const endpoint = { id: this.nextId++, url, secret };
    this.endpoints.push(endpoint);
    return endpoint;
  }

  /**
   * Organizations whose events are not delivered (as if WorkOS could not reach the app for them):
   * a test of the poller mutes its own organization without stopping anyone else's webhooks.
   */
  private readonly muted = new Set<string>();

  mute(organizationId: string): void {
    this.muted.add(organizationId);
  }

  unmute(organizationId: string): void {
    this.muted.delete(organizationId);
  }

  clear(): void {
    this.endpoints = [];
    this.muted.clear();
    this.deliveries.length = 0;
  }

  list(): WebhookEndpoint[] {
    return [...this.endpoints];
  }

  dispatch(event: SandboxEvent): void {
    if (event.organization_id && this.muted.has(event.organization_id)) return;
    const body = JSON.stringify(eventForWire(event));
    for (const endpoint of this.endpoints) {
      const delivery = this.deliver(endpoint, event.id, body).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** Resolves once every delivery started so far has finished (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(endpoint: WebhookEndpoint, eventId: string, body: string): Promise<void> {
    for (const [index, delay] of RETRY_DELAYS_MS.entries()) {
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      const record: WebhookDelivery = { endpointId: endpoint.id, eventId, attempt: index + 1, status: null, error: null, at: new Date().toISOString() };
      try {
        const response = await fetch(endpoint.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'WorkOS-Signature': signWebhook(body, endpoint.secret) },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        record.status = response.status;
        await response.body?.cancel();
        this.deliveries.push(record);
        if (response.ok) return;
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
        this.deliveries.push(record);
      }
    }
  }
}
