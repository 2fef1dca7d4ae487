import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleClient } from '../../../helpers/console-client.ts';
import { addUser } from '../../../helpers/console-server.ts';
import { spawnServer, stop } from '../../../helpers/server/server-process.ts';
import { cleanupDatabases, freshDatabase } from '../../../helpers/server/stores.ts';

// Two server processes on one PostgreSQL behind an imagined load balancer: a console session, its CSRF
// token, sign-out, role changes, user deletion and the failed-sign-in limit hold whichever instance
// a request lands on.

afterAll(() => cleanupDatabases());

const VIEWER = { name: 'vera', password: 'viewer password 12' };

describe('console sessions across two instances on one PostgreSQL', () => {
  it('shares sessions, CSRF tokens, sign-out, role changes, deletions and the sign-in limit', async () => {
    const db = await freshDatabase('postgres');
    const a = await spawnServer(['--data', `${db.dataDir}/a`, '--database', db.postgresUrl!]);
    const b = await spawnServer(['--data', `${db.dataDir}/b`, '--database', db.postgresUrl!]);
    const sql = new pg.Client({ connectionString: db.postgresUrl });
    await sql.connect();
    try {
      const admin = a.admin ?? b.admin;
      if (!admin) throw new Error('neither instance printed the first admin');
      const onA = new ConsoleClient(a.url, a.caFile);
      const onB = new ConsoleClient(b.url, b.caFile);
      expect((await onA.login(admin.name, admin.password)).status).toBe(303);
      onB.cookie = onA.cookie; // the load balancer sends the next request to B
      expect((await onB.request('/settings')).status).toBe(200);
      // A form rendered by A and posted to B: the CSRF token is the session's, in the database.
      const csrfFromA = await onA.csrf('/settings');
      expect((await onB.request('/settings/retention', { form: { _csrf: csrfFromA, reportDays: '45' } })).status).toBe(303);
      expect(await onA.text('/settings')).toContain('45');

      // Only the token's sha256 is stored.
      const token = decodeURIComponent(onA.cookie.split('=')[1]);
      const stored = await sql.query('select token_hash from console_sessions where user_id is not null');
      expect(stored.rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(token).digest('hex'));
      expect(stored.rows.map((r) => r.token_hash)).not.toContain(token);

      // A viewer signed in on B; an admin on A makes them admin, then deletes them.
      await addUser(onA, VIEWER.name, 'viewer', VIEWER.password);
      const viewer = new ConsoleClient(b.url, b.caFile);
      expect((await viewer.login(VIEWER.name, VIEWER.password)).status).toBe(303);
      expect((await viewer.request('/settings')).status).toBe(403);
      const promote = await onA.request(`/settings/users/${VIEWER.name}/role`, {
        form: { _csrf: await onA.csrf('/settings'), role: 'admin' },
      });
      expect(promote.status).toBe(303);
      expect((await viewer.request('/settings')).status).toBe(200); // on B, at once
      const del = await onA.request(`/settings/users/${VIEWER.name}/delete`, { form: { _csrf: await onA.csrf('/settings') } });
      expect(del.status).toBe(303);
      const gone = await viewer.request('/settings');
      expect([gone.status, gone.headers.location]).toEqual([303, '/login']);

      // Sign-out on B ends the session on A too.
      expect((await onB.request('/logout', { form: { _csrf: await onB.csrf('/') } })).status).toBe(303);
      const after = await onA.request('/');
      expect([after.status, after.headers.location]).toEqual([303, '/login']);

      // Five failures spread over both instances use up the account's allowance on both.
      const guesser = [new ConsoleClient(a.url, a.caFile), new ConsoleClient(b.url, b.caFile)];
      for (let i = 0; i < 5; i++) expect((await guesser[i % 2].login(admin.name, `wrong ${i}`)).status).toBe(401);
      for (const g of guesser) expect((await g.login(admin.name, admin.password)).status).toBe(429);
    } finally {
      await sql.end();
      await Promise.all([stop(a), stop(b)]);
    }
  }, 600_000);
});
