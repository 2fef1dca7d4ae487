import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../../agent/version.ts';
import { siemRound } from '../../../server/jobs/siem-round.ts';
import { createSiemSinks } from '../../../server/siem/sinks.ts';
import type { SiemConfig } from '../../../server/siem/types.ts';
import type { Store } from '../../../server/store/types.ts';
import { startHec, type HecReceiver } from '../../helpers/hec-receiver.ts';
import { makeCerts, type Certs } from '../../helpers/report-helpers.ts';
import { cleanupDatabases, freshStore, STORE_KINDS } from '../../helpers/server/stores.ts';

// The SIEM outbox against the local HEC stand-in speaking indexer acknowledgment: a batch leaves the
// outbox only once /services/collector/ack says it is indexed; and a capped outbox drops its oldest
// events, counts and logs them.

afterAll(() => cleanupDatabases());

const TOKEN = '11111111-2222-4333-8444-555555555555';
const NOW = new Date('2026-12-02T08:00:00Z');

async function enqueue(store: Store, sink: string, keys: string[]): Promise<void> {
  await store.siemEnqueue({
    items: keys.map((key) => ({ sink, key, body: JSON.stringify({ event: { id: key }, fields: { ratwatch_event_id: key } }) })),
    cursor: 0,
    nextCursor: 0,
    alerts: [],
    at: NOW.toISOString(),
  });
}

for (const kind of STORE_KINDS) {
  describe(`SIEM outbox on ${kind}`, { timeout: 300_000 }, () => {
    let certs: Certs;
    let hec: HecReceiver;
    let store: Store;
    const logs: string[] = [];
    const hecSink = (over: Partial<SiemConfig> = {}) =>
      createSiemSinks(
        [{ type: 'splunk-hec', name: 'splunk', url: hec.url, token: TOKEN, caFile: certs.caFile, ack: true, ...over } as SiemConfig],
        VERSION,
      );

    beforeAll(async () => {
      certs = makeCerts(mkdtempSync(join(tmpdir(), 'ratwatch-siem-ack-')));
      hec = await startHec(certs, { token: TOKEN, ack: true, ackAfterQueries: 3 });
      store = await freshStore(kind);
    });
    afterAll(async () => {
      await hec.close();
      await store.close();
    });

    it('counts a HEC batch as delivered only once its ackId reads true', async () => {
      await enqueue(store, 'splunk', ['a:1', 'a:2', 'a:3']);
      const r = await siemRound({ store, sinks: hecSink(), log: (l) => logs.push(l) }, NOW, 60_000);
      expect(r).toMatchObject({ sent: 3, failed: 0 });
      expect(hec.ackQueries).toBe(3); // false, false, true
      expect(hec.requests.filter((q) => q.path === '/services/collector/ack').every((q) => q.channel)).toBe(true);
      expect(await store.siemCounts()).toEqual({ splunk: { waiting: 0, dead: 0, delivered: 3, dropped: 0, oldestWaitingAt: null } });
    });

    it('keeps an unacknowledged batch in the outbox and sends it again later', async () => {
      hec.opts.ackAfterQueries = 'never';
      await enqueue(store, 'splunk', ['b:1', 'b:2']);
      const before = hec.indexed.length;
      const r = await siemRound({ store, sinks: hecSink({ ackTimeoutMs: 300 }), log: (l) => logs.push(l) }, NOW, 60_000);
      expect(r).toMatchObject({ sent: 0, failed: 2 });
      expect(hec.indexed.length - before).toBe(2); // received by HEC, but not known to be indexed
      expect(logs.at(-1)).toMatch(/did not acknowledge ackId \d+ within 300 ms/);
      expect((await store.siemCounts()).splunk).toMatchObject({ waiting: 2, dead: 0, delivered: 3, oldestWaitingAt: NOW.toISOString() });

      hec.opts.ackAfterQueries = 1;
      const later = new Date(NOW.getTime() + 3600_000);
      expect(await siemRound({ store, sinks: hecSink(), log: (l) => logs.push(l) }, later, 60_000)).toMatchObject({ sent: 2 });
      expect(await store.siemCounts()).toEqual({ splunk: { waiting: 0, dead: 0, delivered: 5, dropped: 0, oldestWaitingAt: null } });
    });

    it('does not count a 200 without an ackId as delivered when ack is on', async () => {
      hec.opts.ack = false; // the token has acknowledgment off, the sink's config says on
      await enqueue(store, 'splunk', ['c:1']);
      const r = await siemRound({ store, sinks: hecSink(), log: (l) => logs.push(l) }, NOW, 60_000);
      expect(r).toMatchObject({ sent: 0, failed: 1 });
      expect(logs.at(-1)).toMatch(/answered without an ackId/);
      expect(
        await siemRound({ store, sinks: hecSink({ ack: false }), log: () => undefined }, new Date(NOW.getTime() + 7200_000), 60_000),
      ).toMatchObject({ sent: 1 });
      hec.opts.ack = true;
    });

    it('drops the oldest events beyond maxQueued, counts and logs them', async () => {
      hec.opts.busy = 1_000; // HEC down: nothing leaves the outbox
      const sinks = hecSink({ maxQueued: 100 });
      await enqueue(
        store,
        'splunk',
        Array.from({ length: 130 }, (_, i) => `d:${String(i).padStart(3, '0')}`),
      );
      const r = await siemRound({ store, sinks, log: (l) => logs.push(l) }, NOW, 60_000);
      expect(r.dropped).toBe(30);
      expect(logs.some((l) => /siem splunk: outbox full \(100 events\): dropped the 30 oldest/.test(l))).toBe(true);
      expect((await store.siemCounts()).splunk).toEqual({
        waiting: 100,
        dead: 0,
        delivered: 6,
        dropped: 30,
        oldestWaitingAt: NOW.toISOString(),
      });
      const left = await store.siemDue('splunk', new Date(NOW.getTime() + 86_400_000).toISOString(), 1000);
      expect(left[0].key).toBe('d:030'); // the oldest 30 went
      expect(left.at(-1)?.key).toBe('d:129');
      await enqueue(store, 'splunk', ['d:130']);
      expect((await siemRound({ store, sinks, log: () => undefined }, NOW, 60_000)).dropped).toBe(1);
      expect((await store.siemCounts()).splunk.dropped).toBe(31); // counted ever, not per round
      hec.opts.busy = 0;
    });
  });
}
