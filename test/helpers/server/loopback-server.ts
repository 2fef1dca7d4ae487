import { join } from 'node:path';
import { defaultConfig, startServer, type RunningServer, type ServerConfig } from '../../../server/app.ts';

// The server inside the test process, as the job-driven tests run it: plain HTTP on 127.0.0.1, a fresh
// database (freshDatabase), no log output, and periodic rounds run by the test on its own clock.

export function loopbackConfig(db: { dataDir: string; postgresUrl?: string | undefined }, over: Partial<ServerConfig> = {}): ServerConfig {
  return defaultConfig({
    dataDir: join(db.dataDir, 'server'),
    databaseUrl: db.postgresUrl,
    host: '127.0.0.1',
    port: 0,
    tls: 'none',
    periodicIntervalMs: 60_000,
    log: () => undefined,
    ...over,
  });
}

/** Started, with its periodic timer stopped: `srv.jobs.round()` runs a round when the test says. */
export async function startClocked(config: ServerConfig): Promise<RunningServer> {
  const srv = await startServer(config);
  await srv.jobs.stop();
  return srv;
}
