import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../../server/store/sql-store.ts';
import { cleanupDatabases, freshDatabase, STORE_KINDS } from '../../../helpers/server/stores.ts';

// The notification rows on both databases, from two store instances on one PostgreSQL database (two server
// processes; one instance on SQLite): a claim makes one row per notifier, one caller takes a due row, a held
// row is nobody's until its hold ends (the holder died), and rows of a notifier no longer configured are
// given up once old enough.

afterAll(() => cleanupDatabases());

const alert = {
  rule: 'agent-offline',
  subject: 'laptop-1',
  severity: 'high',
  title: 'laptop-1 stopped reporting',
  explanation: { kind: 'offline' },
  agentIds: ['laptop-1'],
};
const T = (m: number) => new Date(Date.UTC(2026, 11, 1, 8, m)).toISOString();

for (const kind of STORE_KINDS) {
  describe(kind, { timeout: 300_000 }, () => {
    it('lets exactly one of two instances take a due notification, and another take it once the hold ends', async () => {
      const db = await freshDatabase(kind);
      const a = await openStore(db);
      const b = kind === 'postgres' ? await openStore(db) : a; // one SQLite file has one server
      try {
        const { id } = await a.upsertAlert(alert, T(0));
        expect(
          await Promise.all([a.claimAlertNotification(id, T(0), ['hook', 'mail']), b.claimAlertNotification(id, T(0), ['hook', 'mail'])]),
        ).toEqual(expect.arrayContaining([true, false]));
        const due = await b.alertNotificationsDue(['hook', 'mail'], T(0), 10);
        expect(due.map((d) => [d.alertId, d.notifier, d.attempts, d.nextAttemptAt, d.alert.subject])).toEqual([
          [id, 'hook', 0, T(0), 'laptop-1'],
          [id, 'mail', 0, T(0), 'laptop-1'],
        ]);
        const hook = due[0];
        const takes = await Promise.all([a.takeAlertNotification(hook.id, T(0), T(10)), b.takeAlertNotification(hook.id, T(0), T(10))]);
        expect(takes.filter(Boolean)).toHaveLength(1);
        expect((await a.alertNotificationsDue(['hook'], T(9), 10)).map((d) => d.notifier)).toEqual([]); // held
        const again = await a.alertNotificationsDue(['hook'], T(10), 10); // the holder never finished
        expect(again.map((d) => [d.notifier, d.attempts])).toEqual([['hook', 1]]);
        expect(await b.takeAlertNotification(hook.id, T(10), T(20))).toBe(true);
        await b.alertNotificationDelivered(hook.id, T(11));
        // a late failure from the first holder does not undo the delivery
        await a.alertNotificationFailed(hook.id, { nextAttemptAt: T(12), error: 'late', gaveUp: false, at: T(12) });
        expect((await a.alertNotifications([id])).map((r) => [r.notifier, r.attempts, r.deliveredAt, r.lastError])).toEqual([
          ['hook', 2, T(11), null],
          ['mail', 0, null, null],
        ]);
      } finally {
        await a.close();
        if (b !== a) await b.close();
      }
    });

    it('gives up once the waiting rows of a notifier no longer configured, and counts it', async () => {
      const db = await freshDatabase(kind);
      const s = await openStore(db);
      try {
        const { id } = await s.upsertAlert(alert, T(0));
        expect(await s.claimAlertNotification(id, T(0), ['hook', 'old'])).toBe(true);
        expect(await s.alertNotificationsOrphaned(['hook'], T(0), T(1))).toEqual([]); // not old enough
        const gone = await s.alertNotificationsOrphaned(['hook'], T(1), T(2));
        expect(gone.map((g) => [g.notifier, g.gaveUpAt])).toEqual([['old', T(2)]]);
        expect(await s.alertNotificationsOrphaned(['hook'], T(1), T(3))).toEqual([]);
        expect(await s.alertNotificationCounts()).toEqual({
          hook: { waiting: 1, delivered: 0, gaveUp: 0, oldestWaitingAt: T(0) },
          old: { waiting: 0, delivered: 0, gaveUp: 1, oldestWaitingAt: null },
        });
        expect((await s.purgeBefore(T(3))).alertNotifications).toBe(1);
      } finally {
        await s.close();
      }
    });
  });
}
