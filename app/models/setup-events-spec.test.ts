import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { SETUP_EVENT_TYPES, type SetupEventType } from './setup-progress.server';

/**
 * Every event the app consumes is one WorkOS documents, with the fields the app reads: checked
 * against the official OpenAPI spec (npm `@workos/openapi-spec`), not against the sandbox.
 */
type Schema = { type?: string; properties?: Record<string, Schema>; const?: unknown; oneOf?: Schema[]; anyOf?: Schema[]; allOf?: Schema[]; $ref?: string };

const spec = YAML.parse(fs.readFileSync(path.resolve('node_modules/@workos/openapi-spec/open-api-spec.yaml'), 'utf8')) as {
  components: { schemas: Record<string, Schema> };
};

function resolve(schema: Schema): Schema {
  return schema.$ref ? resolve(spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')]!) : schema;
}

/** Every object schema anywhere in the spec with `event: { const: <name> }`. */
function eventSchemas(): Map<string, Schema> {
  const found = new Map<string, Schema>();
  const seen = new Set<Schema>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object' || seen.has(node as Schema)) return;
    seen.add(node as Schema);
    const schema = node as Schema;
    const name = schema.properties?.event?.const;
    if (typeof name === 'string' && schema.properties?.data) found.set(name, schema);
    for (const value of Object.values(node)) walk(value);
  };
  walk(spec);
  return found;
}

/** The fields each event's reader uses (in WorkOS's snake_case), as `setup-progress.server.ts` reads them. */
const FIELDS_READ: Record<SetupEventType, string[]> = {
  'connection.activated': ['id', 'organization_id', 'connection_type'],
  'connection.deactivated': ['id', 'organization_id', 'connection_type'],
  'connection.deleted': ['id', 'organization_id', 'connection_type'],
  'dsync.activated': ['id', 'organization_id', 'type'],
  'dsync.deactivated': ['id', 'organization_id', 'type'],
  'dsync.deleted': ['id', 'organization_id', 'type'],
  'organization_domain.verified': ['id', 'domain', 'organization_id'],
  'organization_domain.verification_failed': ['reason', 'organization_domain.id', 'organization_domain.domain', 'organization_domain.organization_id'],
  'connection.saml_certificate_renewal_required': ['connection.id', 'connection.organization_id'],
  'connection.saml_certificate_renewed': ['connection.id', 'connection.organization_id'],
  'vault.byok_key.verification_completed': ['organization_id', 'key_provider', 'verified'],
  'organization_domain.created': ['id', 'domain', 'state', 'organization_id'],
  'organization_domain.updated': ['id', 'domain', 'state', 'organization_id'],
  'organization_domain.deleted': ['id', 'domain', 'organization_id'],
  'organization.updated': ['id', 'domains'],
};

function hasPath(schema: Schema, dotted: string): boolean {
  let current: Schema | undefined = resolve(schema);
  for (const part of dotted.split('.')) {
    const candidates = [current, ...(current?.allOf ?? []), ...(current?.oneOf ?? []), ...(current?.anyOf ?? [])].filter(Boolean).map((item) => resolve(item!));
    current = candidates.map((candidate) => candidate.properties?.[part]).find(Boolean);
    if (!current) return false;
    current = resolve(current);
  }
  return true;
}

describe('the events the app consumes', () => {
  const schemas = eventSchemas();

  it('finds the spec’s event schemas (the check can fail)', () => {
    expect(schemas.size).toBeGreaterThan(50);
    expect(schemas.has('connection.activated')).toBe(true);
    expect(schemas.has('made.up')).toBe(false);
    expect(hasPath(schemas.get('connection.activated')!.properties!.data!, 'no_such_field')).toBe(false);
  });

  it('lists a reader for every event it subscribes to', () => {
    expect(Object.keys(FIELDS_READ).sort()).toEqual([...SETUP_EVENT_TYPES].sort());
  });

  for (const event of SETUP_EVENT_TYPES) {
    it(`${event} is documented, with every field the app reads`, () => {
      const schema = schemas.get(event);
      expect(schema, `${event} is not an event in the spec`).toBeDefined();
      const missing = FIELDS_READ[event].filter((field) => !hasPath(schema!.properties!.data!, field));
      expect(missing, `${event}: fields the app reads that the spec does not have`).toEqual([]);
    });
  }
});
