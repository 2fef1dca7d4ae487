import { errorLine, stderrLine } from '../agent/log-line.ts';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { isLoopbackHost } from '../agent/config/loopback.ts';
import { hashPassword, newSecret } from './api/passwords.ts';
import { withConsole } from './console/mount.ts';
import { EnrollmentSecrets } from './enrollment-secrets.ts';
import { clientAddress } from './http/client-address.ts';
import { makeHandler, INGEST_PATH } from './http/handler.ts';
import { IngestBatcher } from './ingest/batcher.ts';
import { DEFAULT_LIMITS, type IngestLimits } from './ingest/receive.ts';
import type { FarmSettings } from './farm/index.ts';
import { farmRound, loadFarmSettings } from './jobs/farm-round.ts';
import { deliverPendingAlerts } from './jobs/alert-delivery.ts';
import { PeriodicJobs } from './jobs/periodic.ts';
import { siemRound } from './jobs/siem-round.ts';
import { VERSION } from '../agent/version.ts';
import { createSiemSinks, type SiemSink } from './siem/sinks.ts';
import type { SiemConfig } from './siem/types.ts';
import { createNotifiers, type NotifierConfig } from './notify/index.ts';
import { openStore } from './store/sql-store.ts';
import type { Store } from './store/types.ts';
import { ensureSelfSigned, fingerprint } from './tls.ts';

export interface ServerConfig {
  dataDir: string;
  databaseUrl?: string | undefined; // postgres://...; default SQLite in dataDir
  host: string;
  port: number;
  /** Given pair, a generated self-signed pair in dataDir, or plain HTTP (loopback or behind trustedProxies only). */
  tls: { certFile: string; keyFile: string } | 'self-signed' | 'none';
  trustedProxies: string[];
  hmacKeyFile?: string | undefined;
  enrollSecret?: string;
  defaultIntervalS: number;
  retentionDays: number;
  periodicIntervalMs: number;
  farmWindowHours: number;
  maxQueue: number;
  maxBatch: number;
  /** Least time between the starts of two group commits (IngestBatcher's commitIntervalMs). */
  commitIntervalMs: number;
  limits: IngestLimits;
  /** Names/addresses agents reach this server by, added to a generated certificate. */
  publicNames: string[];
  /** Seeds the farm settings stored in the database on first start (office networks, VPN egress, regions, thresholds). */
  farm?: Partial<FarmSettings> | undefined;
  /** Always-on notifiers; the console adds more in the database. */
  notifiers?: NotifierConfig[] | undefined;
  /** Optional forwarding of findings and alerts to SIEMs (OCSF over HTTPS, Splunk HEC). */
  siem?: SiemConfig[];
  log: (line: string) => void;
  now: () => Date;
}

export function defaultConfig(over: Partial<ServerConfig> = {}): ServerConfig {
  return {
    dataDir: path.resolve('.ratwatch-server'),
    host: '127.0.0.1',
    port: 8443,
    tls: 'self-signed',
    trustedProxies: [],
    defaultIntervalS: 3600,
    retentionDays: 90,
    periodicIntervalMs: 60_000,
    farmWindowHours: 24,
    maxQueue: 2000,
    // A group commit runs on the event loop (better-sqlite3): at ~0.2-0.4 ms a report, 256 held every other
    // request for 50-100 ms under a backlog (bench:server probe). 64 bounds that; the per-batch statements
    // and fsync (off the loop, pipelined) cost little more at 64.
    maxBatch: 64,
    // At 1,000 reports/s: ~10 reports a commit instead of 1-3, ~0.3 ms less CPU per report (bench:server
    // open loop, 1.0 -> 0.7 ms), for at most 10 ms more latency.
    commitIntervalMs: 10,
    limits: DEFAULT_LIMITS,
    publicNames: [],
    log: stderrLine, // escapes control characters: log lines quote agents, SIEMs and files
    now: () => new Date(),
    ...over,
  };
}

export interface RunningServer {
  url: string; // base URL
  ingestUrl: string;
  port: number;
  enrollSecret: string;
  caFile?: string;
  fingerprint?: string;
  /** The web console (the same listener). */
  consoleUrl: string;
  /** Set only on the start that created the first admin. */
  firstAdmin?: { name: string; password: string } | undefined;
  store: Store;
  jobs: PeriodicJobs;
  close(): Promise<void>;
}

export class StartError extends Error {}

const RETENTION_KEY = 'retentionDays'; // set from the console; empty: the config's value

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
  let siemSinks: SiemSink[];
  try {
    createNotifiers(c.notifiers ?? []);
    siemSinks = createSiemSinks(c.siem ?? [], VERSION);
  } catch (e) {
    throw new StartError((e as Error).message);
  }
  const tlsFiles =
    c.tls === 'self-signed'
      ? await ensureSelfSigned(c.dataDir, c.publicNames)
      : c.tls === 'none'
        ? undefined
        : { ...c.tls, generated: false };
  const store = await openStore(c.databaseUrl ? { postgresUrl: c.databaseUrl } : { sqliteFile: path.join(c.dataDir, 'ratwatch.sqlite') });
  try {
    const farmSeed = { windowHours: c.farmWindowHours, ...c.farm };
    try {
      await loadFarmSettings(store, farmSeed, c.now().toISOString());
    } catch (e) {
      throw new StartError(`farm settings: ${errorLine(e)}`);
    }
    const secrets = await EnrollmentSecrets.open(store, c.enrollSecret, c.now);
    // The console may change retention; its stored value then wins over the config's.
    let retentionDays = Number(await store.settingOrInit(RETENTION_KEY, '')) || c.retentionDays;
    if (siemSinks.length) await store.siemStart();
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
    const batcher = new IngestBatcher(store, {
      maxQueue: c.maxQueue,
      maxBatch: c.maxBatch,
      defaultIntervalS: c.defaultIntervalS,
      commitIntervalMs: c.commitIntervalMs,
    });
    const trusted = new Set(c.trustedProxies);
    const apiHandler = makeHandler({
      store,
      batcher,
      limits: c.limits,
      hmacKey,
      trustedProxies: trusted,
      maxQueue: c.maxQueue,
      now: c.now,
      log: c.log,
      siemSinks: siemSinks.map((x) => x.name),
      get enrollSecret() {
        return secrets.current(); // read per request: the console can rotate it
      },
    });
    let url = ''; // known once listening
    const runFarmRound = (now: Date) => farmRound({ store, seed: farmSeed }, now);
    const deliverAlerts = (now: Date) =>
      deliverPendingAlerts({ store, configNotifiers: c.notifiers ?? [], log: c.log, alertUrl: () => `${url}/alerts` }, now);
    const setup: { serverUrl: string; caFile?: string; caFingerprint?: string } = { serverUrl: '' };
    const { listener: handler } = withConsole(apiHandler, {
      store,
      now: c.now,
      log: c.log,
      setup,
      enrollment: secrets,
      farmSeed,
      configNotifiers: c.notifiers ?? [],
      // "Evaluate now" in the console: the round, then its new alerts to the notifiers without waiting for the job.
      evaluateFarms: async () => {
        await runFarmRound(c.now());
        await deliverAlerts(c.now());
      },
      retention: {
        get: () => retentionDays,
        set: async (days) => {
          await store.putSetting(RETENTION_KEY, String(days));
          retentionDays = days;
        },
      },
      // Plain HTTP is only allowed on loopback or behind a TLS-terminating proxy: Secure cookies then, too.
      secureCookies: tlsFiles !== undefined || c.trustedProxies.length > 0,
      clientIp: (req) => clientAddress(req, trusted) ?? '?',
    });
    const server = tlsFiles
      ? https.createServer(
          { cert: fs.readFileSync(tlsFiles.certFile), key: fs.readFileSync(tlsFiles.keyFile), minVersion: 'TLSv1.2' },
          handler,
        )
      : http.createServer(handler);
    server.requestTimeout = 60_000;
    server.headersTimeout = 20_000;
    // An idle kept-alive connection is closed by its client or proxy first (nginx upstream keepalive and
    // load balancers idle out at 60 s): closed here first, a request the peer sends on it as it closes is
    // reset, and a POST is not retried (bench:server's load generator saw ECONNRESET on sockets idle > 5 s,
    // Node's default).
    server.keepAliveTimeout = 65_000;
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
    url = `${tlsFiles ? 'https' : 'http'}://${hostPart}:${port}`;
    setup.serverUrl = c.publicNames[0]
      ? url.replace(/\/\/[^/]+:/, `//${c.publicNames[0].includes(':') ? `[${c.publicNames[0]}]` : c.publicNames[0]}:`)
      : url;
    const tlsCa = tlsFiles && { caFile: tlsFiles.certFile, fingerprint: fingerprint(tlsFiles.certFile) };
    if (tlsCa) Object.assign(setup, { caFile: tlsCa.caFile, caFingerprint: tlsCa.fingerprint });
    // Node loads fetch's HTTP client (undici) on the first call: tens of ms, more under load, which would
    // otherwise be spent inside the first notifier or SIEM attempt's timeout. A data: URL loads it here
    // without touching the network.
    await fetch('data:,')
      .then((r) => r.arrayBuffer())
      .catch(() => undefined);
    const jobs = new PeriodicJobs({
      store,
      now: c.now,
      intervalMs: c.periodicIntervalMs,
      log: c.log,
      get retentionDays() {
        return retentionDays; // read per round: the console can change it
      },
      farmRound: runFarmRound,
      deliverAlerts,
      ...(siemSinks.length
        ? { siemRound: (now: Date, budgetMs: number) => siemRound({ store, sinks: siemSinks, log: c.log }, now, budgetMs) }
        : {}),
    });
    jobs.start();
    secrets.start(c.log);
    return {
      url,
      ingestUrl: `${url}${INGEST_PATH}`,
      consoleUrl: `${url}/`,
      port,
      store,
      jobs,
      firstAdmin,
      get enrollSecret() {
        return secrets.current();
      },
      ...tlsCa,
      async close() {
        secrets.stop();
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
