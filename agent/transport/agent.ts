import type http from 'node:http';
import type https from 'node:https';
import type { Duplex } from 'node:stream';

// http and https (with tls) are loaded when a report is about to be sent, not at start: every command
// imports this module, and a scan that delivers nothing would carry ~4 MiB of them at its peak.

// Node has a socket idle timeout but no connect timeout; a black-holed SYN or a server that never
// completes the TLS handshake would otherwise wait for the whole request budget.

type CreateConnection = (options: never, cb?: (err: Error | null, stream: Duplex) => void) => Duplex | null | undefined;

function withConnectTimeout<A extends http.Agent>(agent: A, ms: number, secure: boolean): A {
  const create = (agent.createConnection as unknown as CreateConnection).bind(agent);
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (options, cb) => {
    const sock = create(options, cb);
    if (!sock) return sock;
    const timer = setTimeout(() => sock.destroy(new Error(`connect timed out after ${ms} ms`)), ms);
    const done = () => clearTimeout(timer);
    sock.once(secure ? 'secureConnect' : 'connect', done);
    sock.once('close', done);
    return sock;
  };
  return agent;
}

export function makeAgents(ca: Buffer | undefined, connectTimeoutMs: number): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const http = process.getBuiltinModule('node:http');
  const https = process.getBuiltinModule('node:https');
  return {
    httpAgent: withConnectTimeout(new http.Agent({ keepAlive: false }), connectTimeoutMs, false),
    httpsAgent: withConnectTimeout(
      // rejectUnauthorized explicitly: left unset, Node lets NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment turn verification off.
      new https.Agent({ keepAlive: false, rejectUnauthorized: true, ...(ca ? { ca } : {}), minVersion: 'TLSv1.2' }),
      connectTimeoutMs,
      true,
    ),
  };
}
