import type { FaultRuleInput } from './faults';
import type { LoggedRequest } from './server';
import type { SandboxEvent, SandboxState } from './store';
import type { WebhookDelivery } from './webhooks';

/** A client for the sandbox's test controls (/__sandbox), for tests in another process. */
export class SandboxClient {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/__sandbox${path}`, {
      method,
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`sandbox ${method} ${path} answered ${response.status}: ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  addFault(rule: FaultRuleInput) {
    return this.call<{ id: number }>('POST', '/faults', rule);
  }
  clearFaults() {
    return this.call<void>('DELETE', '/faults');
  }
  requests() {
    return this.call<LoggedRequest[]>('GET', '/requests');
  }
  addWebhookEndpoint(url: string, secret: string) {
    return this.call<{ id: number }>('POST', '/webhook-endpoints', { url, secret });
  }
  muteWebhooks(organizationId: string) {
    return this.call<void>('POST', '/webhook-mutes', { organization_id: organizationId });
  }
  unmuteWebhooks(organizationId: string) {
    return this.call<void>('DELETE', `/webhook-mutes/${encodeURIComponent(organizationId)}`);
  }
  webhookDeliveries() {
    return this.call<WebhookDelivery[]>('GET', '/webhook-deliveries');
  }
  advanceClock(advanceMs: number) {
    return this.call<{ now: string }>('POST', '/clock', { advanceMs });
  }
  expirePortalLink(link: string) {
    return this.call<void>('POST', '/expire-portal-link', { link });
  }
  emitEvent(event: string, data: Record<string, unknown>, organizationId?: string) {
    return this.call<SandboxEvent>('POST', '/events', { event, data, organization_id: organizationId });
  }
  state() {
    return this.call<SandboxState>('GET', '/state');
  }
  reset() {
    return this.call<void>('POST', '/reset');
  }
}
