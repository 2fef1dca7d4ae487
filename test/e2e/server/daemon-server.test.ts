import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, startServer, type RunningServer } from '../../../server/app.ts';
import { ROOT } from '../../helpers/cli.ts';
import { waitFor } from '../../helpers/procs.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../helpers/server/stores.ts';

// The real `ratwatch daemon` (a live scan of this host in its child process) against the real server over
// HTTPS on 127.0.0.1, with the server's own self-signed certificate as caFile, on SQLite and PostgreSQL.
// The agent has only the enrollment secret: it enrolls itself before its first report. Two cycles, then
// SIGTERM.

afterAll(() => cleanupDatabases());

for (const kind of STORE_KINDS) {
  describe(`ratwatch daemon to ratwatch-server on ${kind}`, { timeout: 400_000 }, () => {
    let srv: RunningServer;
    let dir: string;

    beforeAll(async () => {
      const db = await freshDatabase(kind);
      dir = db.dataDir;
      srv = await startServer(
        defaultConfig({ dataDir: join(dir, 'server'), databaseUrl: db.postgresUrl, host: '127.0.0.1', port: 0, log: () => undefined }),
      );
    }, 200_000);
    afterAll(async () => srv?.close());

    it('enrolls on its first report, delivers two cycles, and the server shows the host', async () => {
      const spool = join(dir, 'spool');
      const secretFile = join(dir, 'enroll-secret');
      writeFileSync(secretFile, `${srv.enrollSecret}\n`, { mode: 0o600 });
      const cfg = join(dir, 'ratwatch.yaml');
      writeFileSync(
        cfg,
        [
          'endpoint:',
          `  url: ${srv.ingestUrl}`,
          `  caFile: ${srv.caFile}`,
          `  enrollSecretFile: ${secretFile}`,
          '  timeoutMs: 60000',
          `spoolDir: ${spool}`,
          'schedule: "*/20 * * * * *"',
          'jitterSeconds: 0',
          'retryBaseSeconds: 1',
          'retryMaxSeconds: 5',
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'agent/main.ts'), 'daemon', '--config', cfg], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString('utf8');
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await waitFor(
          () => /ratwatch: cycle 2: /.test(err) || child.exitCode !== null,
          300_000,
          `two daemon cycles (stderr so far: ${err.slice(-500)})`,
        );
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited, err).toBe(0);
      const agentId = readFileSync(join(spool, 'agent-id'), 'utf8').trim();
      expect(err).toContain(`ratwatch: enrolled as ${agentId}; key kept in ${join(spool, 'agent-key')}\n`);
      expect(err).toMatch(/ratwatch: cycle 1: full report #1 \(\+\d+ -0\), scan \d+ ms; sent 1, pending 0\n/);
      expect(err).toMatch(/ratwatch: cycle 2: (heartbeat|delta) report #2 .*; sent 1, pending 0\n/);
      expect(statSync(join(spool, 'agent-key')).mode & 0o777).toBe(0o600);

      const host = await srv.store.getHost(agentId);
      expect(host).toMatchObject({ agentId, os: 'linux', status: 'online', lastSequence: 2, publicIp: '127.0.0.1' });
      expect((await srv.store.listReports(agentId, 10)).map((r) => r.sequence)).toEqual([2, 1]);
      expect((await srv.store.timeline(agentId, 50)).map((e) => e.type)).toEqual(expect.arrayContaining(['enrolled', 'first-report']));
      // no gap, no tamper alert for a well-behaved agent (an unprivileged run would say so, and here runs as root)
      const alerts = await srv.store.listAlerts({ limit: 50, offset: 0 });
      expect(alerts.filter((a) => a.subject === agentId && a.rule !== 'unprivileged-scan')).toEqual([]);
    });
  });
}
