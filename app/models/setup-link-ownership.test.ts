import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * One owner for the setup link's life (decision 014): no module but the setup-link model writes
 * `setup_links` or `setup_link_launches`. (Tests arrange rows directly; the benchmark's bulk seed
 * in db/ does too.)
 */
const OWNER = path.resolve('app/models/setup-link.server.ts');
const WRITE =
  /(['"`])setup_link(s|_launches)\1\)?[^;]*?\.(update|insert|del|delete|increment|decrement|upsert)\(|\b(update|into|from)\s+setup_link(s|_launches)\b/i;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) && !entry.name.includes('.test.') ? [full] : [];
  });
}

describe('who writes setup links', () => {
  it('only the setup-link model', () => {
    const writers = ['app', 'server', 'scripts']
      .flatMap((dir) => sourceFiles(path.resolve(dir)))
      .filter((file) => file !== OWNER)
      .filter((file) => {
        // A DELETE FROM or a SELECT … FROM is told apart by what comes before "from".
        const text = fs.readFileSync(file, 'utf8').replace(/select[^;]*?from\s+setup_link/gi, 'SELECTED');
        return WRITE.test(text);
      });
    expect(writers.map((file) => path.relative(process.cwd(), file))).toEqual([]);
  });

  it('the check sees a write when there is one', () => {
    expect(WRITE.test("await trx('setup_links').where({ id }).update({ status: 'revoked' })")).toBe(true);
    expect(WRITE.test('INSERT INTO setup_link_launches (setup_link_id) VALUES (?)')).toBe(true);
    expect(WRITE.test("db('setup_links').where({ id }).first()")).toBe(false);
  });
});
