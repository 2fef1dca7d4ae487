import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, startServer } from '../../../server/app.ts';
import { request } from '../../helpers/server/http.ts';
import { item, SimAgent } from '../../helpers/server/reports.ts';
import { cleanupDatabases, freshDatabase } from '../../helpers/server/stores.ts';

// Plain HTTP is for loopback or a named reverse proxy; only that proxy's X-Forwarded-For is believed.

afterAll(() => cleanupDatabases());

describe('behind a reverse proxy', { timeout: 300_000 }, () => {
  it('refuses plain HTTP on a non-loopback address without a proxy', async () => {
    const db = await freshDatabase('sqlite');
    await expect(
      startServer(defaultConfig({ dataDir: db.dataDir, host: '0.0.0.0', port: 0, tls: 'none', log: () => undefined })),
    ).rejects.toThrow('plain HTTP only on a loopback address or behind a reverse proxy (--trust-proxy)');
  });

  it("records the public IP from the trusted proxy's X-Forwarded-For, and ignores it from anyone else", async () => {
    for (const [proxies, expected] of [
      [['127.0.0.1'], '203.0.113.77'],
      [[], '127.0.0.1'],
    ] as const) {
      const db = await freshDatabase('sqlite');
      const srv = await startServer(
        defaultConfig({ dataDir: db.dataDir, host: '127.0.0.1', port: 0, tls: 'none', trustedProxies: [...proxies], log: () => undefined }),
      );
      try {
        const e = await request(`${srv.url}/v1/enroll`, {
          body: JSON.stringify({ enrollSecret: srv.enrollSecret, agentId: 'px-1', hostname: 'px' }),
        });
        const key = e.json().key as string;
        const body = gzipSync(item(new SimAgent('px-1', 'px').next([])).body);
        const r = await request(srv.ingestUrl, {
          body,
          headers: { authorization: `Bearer ${key}`, 'content-encoding': 'gzip', 'x-forwarded-for': '10.9.9.9, 203.0.113.77' },
        });
        expect(r.status, r.text).toBe(200);
        expect((await srv.store.getHost('px-1'))!.publicIp).toBe(expected);
      } finally {
        await srv.close();
      }
    }
  });
});
