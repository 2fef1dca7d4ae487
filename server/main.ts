#!/usr/bin/env node
import { errorLine, stderrLine } from '../agent/log-line.ts';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { defaultConfig, startServer, StartError, type ServerConfig } from './app.ts';
import { readSettingsFile } from './settings-file.ts';

// `npm run server`: starts the central endpoint with everything a pilot needs and prints how to point
// agents at it. Errors are one line and exit 2 (bad input) or 70 (internal), like the agent's.

function intOpt(v: string, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new StartError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

function configFrom(o: Record<string, string | string[] | boolean | undefined>): ServerConfig {
  const tls = o.http
    ? 'none'
    : o.cert || o.key
      ? (() => {
          if (!o.cert || !o.key) throw new StartError('--cert and --key go together');
          return { certFile: path.resolve(String(o.cert)), keyFile: path.resolve(String(o.key)) };
        })()
      : 'self-signed';
  const publicName = typeof o.publicName === 'string' ? o.publicName : undefined;
  let settings: ReturnType<typeof readSettingsFile> = {};
  if (typeof o.settings === 'string') {
    try {
      settings = readSettingsFile(path.resolve(o.settings));
    } catch (e) {
      throw new StartError((e as Error).message);
    }
  }
  return defaultConfig({
    ...settings,
    dataDir: path.resolve(String(o.data)),
    databaseUrl: typeof o.database === 'string' ? o.database : process.env.RATWATCH_SERVER_DATABASE_URL || undefined,
    host: String(o.host),
    port: intOpt(String(o.port), 'port', 0, 65535),
    tls,
    trustedProxies: (o.trustProxy as string[] | undefined) ?? [],
    hmacKeyFile: typeof o.hmacKeyFile === 'string' ? o.hmacKeyFile : undefined,
    retentionDays: intOpt(String(o.retentionDays), 'retention-days', 1, 36500),
    defaultIntervalS: intOpt(String(o.intervalSeconds), 'interval-seconds', 60, 86400),
    publicNames: publicName ? [publicName] : [],
  });
}

function agentConfig(ingestUrl: string, caTarget: string | undefined): string {
  return [
    'endpoint:',
    `  url: ${ingestUrl}`,
    ...(caTarget ? [`  caFile: ${caTarget}`] : []),
    '  tokenFile: /var/lib/ratwatch/spool/agent-key   # written by `ratwatch enroll`',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('ratwatch-server')
    .description('The central endpoint: receives ratwatch reports, keeps the fleet state, raises alerts.')
    .option('--data <dir>', 'data folder (SQLite database, generated TLS pair)', '.ratwatch-server')
    .option('--database <url>', 'PostgreSQL URL (postgres://...) instead of SQLite; or RATWATCH_SERVER_DATABASE_URL')
    .option('--host <address>', 'listen address', '0.0.0.0')
    .option('--port <n>', 'listen port (0: any free port)', '8443')
    .option('--public-name <name>', 'host name or address agents use to reach this server (added to a generated certificate)')
    .option('--cert <file>', 'TLS certificate (PEM); default a self-signed pair generated in the data folder')
    .option('--key <file>', 'TLS private key (PEM)')
    .option('--http', 'plain HTTP: only on a loopback --host or behind --trust-proxy')
    .option('--trust-proxy <address...>', 'reverse proxy whose X-Forwarded-For gives the client address')
    .option('--hmac-key-file <file>', "require X-Ratwatch-Signature made with this key (the agents' endpoint.hmacKeyFile)")
    .option(
      '--settings <file>',
      'JSON with "farm" (office networks, VPN egress IPs, expected regions, thresholds; seeds the database), "notifiers" and "siem" (OCSF over HTTPS, Splunk HEC)',
    )
    .option('--retention-days <n>', 'purge stored reports older than this', '90')
    .option('--interval-seconds <n>', 'expected reporting interval of a new host (learned per host afterwards)', '3600')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`${errorLine(s)}\n`) });
  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    throw e;
  }
  const config = configFrom(program.opts());
  const s = await startServer(config);
  const shownUrl =
    config.host === '0.0.0.0' || config.host === '::'
      ? s.url.replace(/\/\/[^/]+:/, `//${program.opts().publicName ?? os.hostname()}:`)
      : s.url;
  const ingestUrl = `${shownUrl}/v1/reports`;
  const out = (l: string) => process.stdout.write(`${l}\n`);
  out(`ratwatch-server listening on ${shownUrl}`);
  out(`  console: ${shownUrl}/ (sign in as an admin or viewer user)`);
  out(`  storage: ${config.databaseUrl ? 'PostgreSQL' : `SQLite ${path.join(config.dataDir, 'ratwatch.sqlite')}`}`);
  if (s.caFile) out(`  TLS certificate: ${s.caFile} (SHA-256 fingerprint ${s.fingerprint})`);
  out(`  enrollment secret: ${s.enrollSecret}`);
  if (s.firstAdmin) out(`  first admin (shown once): ${s.firstAdmin.name} / ${s.firstAdmin.password}`);
  out('');
  out(`Agent config (/etc/ratwatch.yaml)${s.caFile ? `; copy ${s.caFile} to /etc/ratwatch/server-ca.pem` : ''}:`);
  out(agentConfig(ingestUrl, s.caFile ? '/etc/ratwatch/server-ca.pem' : undefined));
  out(`Then once per laptop: RATWATCH_ENROLL_SECRET=${s.enrollSecret} ratwatch enroll`);
  out('  (or put the secret in a file readable by root only and add `enrollSecretFile: <that file>` under endpoint:');
  out('   the agent then enrolls itself before its first report)');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await s.close();
  return 0;
}

main(process.argv).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e as Error;
    stderrLine(`ratwatch-server: ${errorLine(e)}`);
    process.exit(
      e instanceof StartError || (err as NodeJS.ErrnoException)?.code === 'ENOENT' || (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE'
        ? 2
        : 70,
    );
  },
);
