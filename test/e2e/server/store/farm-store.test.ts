import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDatabases, freshStore, STORE_KINDS } from '../../../helpers/server/stores.ts';

// The farm round's storage on both databases: settings seeded once, groups replaced per round, stored
// notifiers, and the once-only notification claim of a new or reopened alert.

afterAll(() => cleanupDatabases());

const alert = {
  rule: 'laptop-farm',
  subject: 'farm:gateway-mac:60:38:e0:11:22:33',
  severity: 'critical',
  title: 'farm',
  explanation: { kind: 'farm' },
  agentIds: ['a', 'b'],
};

for (const kind of STORE_KINDS) {
  describe(kind, { timeout: 300_000 }, () => {
    it('keeps the first seeded settings until the console changes them', async () => {
      const s = await freshStore(kind);
      try {
        expect(await s.farmSettingsOrInit('{"windowHours":24}', '2026-06-01T00:00:00Z')).toBe('{"windowHours":24}');
        expect(await s.farmSettingsOrInit('{"windowHours":12}', '2026-06-02T00:00:00Z')).toBe('{"windowHours":24}');
        await s.setFarmSettings('{"windowHours":6}', '2026-06-03T00:00:00Z');
        expect(await s.farmSettingsOrInit('{"windowHours":12}', '2026-06-04T00:00:00Z')).toBe('{"windowHours":6}');
      } finally {
        await s.close();
      }
    });

    it('replaces the groups of the previous round and keeps notifiers by name', async () => {
      const s = await freshStore(kind);
      try {
        await s.replaceFarmGroups(
          [
            { subject: 'g1', severity: 'high', hostCount: 2, body: { x: 1 } },
            { subject: 'g2', severity: 'critical', hostCount: 6, body: { x: 2 } },
          ],
          '2026-06-01T00:00:00Z',
        );
        expect((await s.listFarmGroups(10)).map((g) => [g.subject, g.hostCount, g.group])).toEqual([
          ['g2', 6, { x: 2 }],
          ['g1', 2, { x: 1 }],
        ]);
        await s.replaceFarmGroups([{ subject: 'g3', severity: 'medium', hostCount: 3, body: {} }], '2026-06-01T01:00:00Z');
        expect((await s.listFarmGroups(10)).map((g) => g.subject)).toEqual(['g3']);
        await s.putNotifier('hook', { type: 'webhook', url: 'http://127.0.0.1:1/a', secret: 's'.repeat(20) }, '2026-06-01T00:00:00Z');
        await s.putNotifier('hook', { type: 'webhook', url: 'http://127.0.0.1:1/b', secret: 's'.repeat(20) }, '2026-06-01T00:00:00Z');
        expect((await s.listNotifiers()).map((n) => [n.name, (n.config as { url: string }).url])).toEqual([
          ['hook', 'http://127.0.0.1:1/b'],
        ]);
        expect(await s.deleteNotifier('hook')).toBe(true);
        expect(await s.deleteNotifier('hook')).toBe(false);
      } finally {
        await s.close();
      }
    });

    it('lets one caller claim a new alert, none a repeat or an acknowledged one, and one again after it reopens', async () => {
      const s = await freshStore(kind);
      try {
        const { id } = await s.upsertAlert(alert, '2026-06-01T00:00:00Z');
        expect(await Promise.all([s.claimAlertNotification(id, 't'), s.claimAlertNotification(id, 't')])).toEqual(
          expect.arrayContaining([true, false]),
        );
        await s.upsertAlert(alert, '2026-06-01T01:00:00Z');
        expect(await s.claimAlertNotification(id, 't')).toBe(false);
        await s.setAlertStatus(id, 'acknowledged', 'admin', '2026-06-01T02:00:00Z');
        await s.upsertAlert(alert, '2026-06-01T03:00:00Z');
        expect(await s.claimAlertNotification(id, 't')).toBe(false);
        await s.setAlertStatus(id, 'closed', 'admin', '2026-06-01T04:00:00Z');
        await s.upsertAlert(alert, '2026-06-01T05:00:00Z');
        expect(await s.claimAlertNotification(id, 't')).toBe(true);
        expect(await s.claimAlertNotification(id, 't')).toBe(false);
      } finally {
        await s.close();
      }
    });
  });
}
