import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { isLoopbackHost } from '../agent/config/loopback.ts';
import { hashPassword, newSecret } from './api/passwords.ts';
import { makeHandler, INGEST_PATH } from './http/handler.ts';
import { IngestBatcher } from './ingest/batcher.ts';
import { DEFAULT_LIMITS, type IngestLimits } from './ingest/receive.ts';
import type { FarmSettings } from './farm/index.ts';
import { farmRound, loadFarmSettings } from './jobs/farm-round.ts';
import { deliverPendingAlerts } from './jobs/alert-delivery.ts';
import { PeriodicJobs, type FarmEvaluator } from './jobs/periodic.ts';
import { siemRound } from './jobs/siem-round.ts';
import { VERSION } from '../agent/version.ts';
import { createSiemSinks } from './siem/sinks.ts';
import type { SiemConfig } from './siem/types.ts';
import { createNotifiers, type NotifierConfig } from './notify/index.ts';
import { openStore } from './store/sql-store.ts';
import type { Store } from './store/types.ts';
import { ensureSelfSigned, fingerprint } from './tls.ts';

export interface ServerConfig {
  dataDir: string;
  databaseUrl?: string; // postgres://...; default SQLite in dataDir
  host: string;
  port: number;
  /** Given pair, a generated self-signed pair in dataDir, or plain HTTP (loopback or behind trustedProxies only). */
  tls: { certFile: string; keyFile: string } | 'self-signed' | 'none';
  trustedProxies: string[];
  hmacKeyFile?: string;
  enrollSecret?: string;
  defaultIntervalS: number;
  retentionDays: number;
  periodicIntervalMs: number;
  farmWindowHours: number;
  maxQueue: number;
  maxBatch: number;
  limits: IngestLimits;
  /** Names/addresses agents reach this server by, added to a generated certificate. */
  publicNames: string[];
  /** A bare evaluator instead of the wired farm round (tests of the periodic job only). */
  evaluateFarms?: FarmEvaluator;
  /** Seeds the farm settings stored in the database on first start (office networks, VPN egress, regions, thresholds). */
  farm?: Partial<FarmSettings>;
  /** Always-on notifiers; the console adds more in the database. */
  notifiers?: NotifierConfig[];
  /** Optional forwarding of findings and alerts to SIEMs (OCSF over HTTPS, Splunk HEC). */
  siem?: SiemConfig[];
  log: (line: string) => void;
  now: () => Date;
}

export function defaultConfig(over: Partial<ServerConfig> = {}): ServerConfig {
  return {
    dataDir: path.resolve('.ratwatch-server'), host: '127.0.0.1', port: 8443, tls: 'self-signed', trustedProxies: [],
    defaultIntervalS: 3600, retentionDays: 90, periodicIntervalMs: 60_000, farmWindowHours: 24, maxQueue: 2000, maxBatch: 256,
    limits: DEFAULT_LIMITS, publicNames: [], log: (l) => process.stderr.write(`${l}\n`), now: () => new Date(), ...over,
  };
}

export interface RunningServer {
  url: string; // base URL
  ingestUrl: string;
  port: number;
  enrollSecret: string;
  caFile?: string;
  fingerprint?: string;
  /** Set only on the start that created the first admin. */
  firstAdmin?: { name: string; password: string };
  store: Store;
  jobs: PeriodicJobs;
  close(): Promise<void>;
}

export class StartError extends Error {}

export async function startServer(c: ServerConfig): Promise<RunningServer> {
  if (c.tls === 'none' && !isLoopbackHost(c.host) && !c.trustedProxies.length) {
    throw new StartError('plain HTTP only on a loopback address or behind a reverse proxy (--trust-proxy)');
  }
  fs.mkdirSync(c.dataDir, { recursive: true, mode: 0o700 });
  let hmacKey: Buffer | undefined;
  if (c.hmacKeyFile) {
    hmacKey = fs.readFileSync(c.hmacKeyFile);
    while (hmacKey.length && (hmacKey.at(-1) === 0x0a || hmacKey.at(-1) === 0x0d)) hmacKey = hmacKey.subarray(0, -1);
    if (hmacKey.length < 16) throw new StartError(`hmac key file ${c.hmacKeyFile}: shorter than 16 bytes`);
  }
  let siemSinks;
  try {
    createNotifiers(c.notifiers ?? []);
    siemSinks = createSiemSinks(c.siem ?? [], VERSION);
  } catch (e) {
    throw new StartError((e as Error).message);
  }
  const tlsFiles = c.tls === 'self-signed' ? await ensureSelfSigned(c.dataDir, c.publicNames) : c.tls === 'none' ? undefined : { ...c.tls, generated: false };
  const store = await openStore(c.databaseUrl ? { postgresUrl: c.databaseUrl } : { sqliteFile: path.join(c.dataDir, 'ratwatch.sqlite') });
  try {
    try {
      await loadFarmSettings(store, { windowHours: c.farmWindowHours, ...c.farm }, c.now().toISOString());
    } catch (e) {
      throw new StartError(`farm settings: ${(e as Error).message.split('\n')[0]}`);
    }
    if (siemSinks.length) await store.siemStart();
    const enrollSecret = c.enrollSecret ?? (await store.settingOrInit('enrollSecret', newSecret('rwe')));
    let firstAdmin: RunningServer['firstAdmin'];
    if ((await store.countUsers()) === 0) {
      const password = newSecret('pw');
      try {
        await store.createUser({ name: 'admin', role: 'admin', passwordHash: await hashPassword(password), at: c.now().toISOString() });
        firstAdmin = { name: 'admin', password };
      } catch {
        // another instance created it at the same moment
      }
    }
    const batcher = new IngestBatcher(store, { maxQueue: c.maxQueue, maxBatch: c.maxBatch, defaultIntervalS: c.defaultIntervalS });
    const handler = makeHandler({
      store, batcher, limits: c.limits, hmacKey, enrollSecret, trustedProxies: new Set(c.trustedProxies), maxQueue: c.maxQueue, now: c.now, log: c.log,
    });
    const server = tlsFiles
      ? https.createServer({ cert: fs.readFileSync(tlsFiles.certFile), key: fs.readFileSync(tlsFiles.keyFile), minVersion: 'TLSv1.2' }, handler)
      : http.createServer(handler);
    server.requestTimeout = 60_000;
    server.headersTimeout = 20_000;
    const sockets = new Set<Socket>();
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(c.port, c.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const hostPart = c.host.includes(':') ? `[${c.host}]` : c.host === '0.0.0.0' ? '127.0.0.1' : c.host;
    const url = `${tlsFiles ? 'https' : 'http'}://${hostPart}:${port}`;
    const jobs = new PeriodicJobs({
      store, now: c.now, intervalMs: c.periodicIntervalMs, retentionDays: c.retentionDays, farmWindowHours: c.farmWindowHours, evaluateFarms: c.evaluateFarms, log: c.log,
      ...(c.evaluateFarms ? {} : {
        farmRound: (now: Date) => farmRound({ store, seed: { windowHours: c.farmWindowHours, ...c.farm }, configNotifiers: c.notifiers ?? [], log: c.log }, now),
      }),
      deliverAlerts: (now: Date) => deliverPendingAlerts({ store, configNotifiers: c.notifiers ?? [], log: c.log }, now),
      ...(siemSinks.length ? { siemRound: (now: Date, budgetMs: number) => siemRound({ store, sinks: siemSinks, log: c.log }, now, budgetMs) } : {}),
    });
    jobs.start();
    return {
      url, ingestUrl: `${url}${INGEST_PATH}`, port, enrollSecret, store, jobs, firstAdmin,
      ...(tlsFiles ? { caFile: tlsFiles.certFile, fingerprint: fingerprint(tlsFiles.certFile) } : {}),
      async close() {
        await jobs.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        });
        await store.close();
      },
    };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}
