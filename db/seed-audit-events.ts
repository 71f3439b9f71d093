import type { Knex } from 'knex';
import { isPostgres } from '../app/utils/dialect.server';

const ACTIONS = [
  'setup_link.viewed',
  'setup_link.launched',
  'setup_link.created',
  'setup_link.emailed',
  'organization.noted',
  'staff.signed_in',
  'setup_link.revoked',
];

/**
 * `count` audit events over a year (2026), spread over `organizations` organizations (ids 1…n),
 * the staff members given, IT admins and the system, and seven actions — written by the database
 * itself (SQLite's recursive CTE, PostgreSQL's generate_series: the same rows) in batches of
 * 100,000, for benchmarks. One in ten carries a note.
 */
export async function seedAuditEvents(
  db: Knex,
  { count, organizations, staffIds, onProgress }: { count: number; organizations: number; staffIds: number[]; onProgress?: (written: number) => void },
): Promise<void> {
  const start = Date.parse('2026-01-01T00:00:00.000Z') / 86_400_000 + 2440587.5; // as a Julian day
  const batch = 100_000;
  for (let offset = 0; offset < count; offset += batch) {
    const last = Math.min(count, offset + batch);
    if (isPostgres(db)) {
      await db.raw(
        `INSERT INTO audit_events (at, request_id, actor_type, actor_id, actor_label, action, organization_id, details, note)
         SELECT to_char(timestamp '2026-01-01' + i * (365.0 / ?) * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'req-' || i,
                CASE i % 10 WHEN 0 THEN 'system' WHEN 1 THEN 'it_admin' ELSE 'staff' END,
                CASE WHEN i % 10 > 1 THEN (?::integer[])[i % ? + 1] END,
                CASE i % 10 WHEN 0 THEN 'Setup Desk' WHEN 1 THEN 'IT admin' ELSE 'Bench rep ' || (i % ?) END,
                (?::text[])[i * 7919 % ? + 1],
                (i * 104729 % ?) + 1,
                '{"fingerprint":"abc123","features":["sso","dsync"],"delivery":"email","recipient":"it-admin@customer.example"}',
                CASE WHEN i % 10 = 3 THEN 'Followed up by phone; they will finish the SSO setup this week.' END
         FROM generate_series(?::bigint, ?::bigint) AS n(i)`,
        [count, staffIds, staffIds.length, staffIds.length, ACTIONS, ACTIONS.length, organizations, offset + 1, last],
      );
      onProgress?.(last);
      continue;
    }
    await db.raw(
      `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO audit_events (at, request_id, actor_type, actor_id, actor_label, action, organization_id, details, note)
       SELECT strftime('%Y-%m-%dT%H:%M:%fZ', ? + i * (365.0 / ?)),
              'req-' || i,
              CASE i % 10 WHEN 0 THEN 'system' WHEN 1 THEN 'it_admin' ELSE 'staff' END,
              CASE WHEN i % 10 > 1 THEN json_extract(?, '$[' || (i % ?) || ']') END,
              CASE i % 10 WHEN 0 THEN 'Setup Desk' WHEN 1 THEN 'IT admin' ELSE 'Bench rep ' || (i % ?) END,
              json_extract(?, '$[' || (i * 7919 % ?) || ']'),
              (i * 104729 % ?) + 1,
              '{"fingerprint":"abc123","features":["sso","dsync"],"delivery":"email","recipient":"it-admin@customer.example"}',
              CASE WHEN i % 10 = 3 THEN 'Followed up by phone; they will finish the SSO setup this week.' END
       FROM n`,
      [offset + 1, last, start, count, JSON.stringify(staffIds), staffIds.length, staffIds.length, JSON.stringify(ACTIONS), ACTIONS.length, organizations],
    );
    onProgress?.(last);
  }
}
